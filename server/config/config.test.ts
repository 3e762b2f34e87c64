import path from 'node:path';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  test('defaults for a fresh machine', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.admin).toEqual({ username: 'admin', password: undefined });
    expect(c.cookieSecure).toBe(false);
  });

  test('every problem is reported at once, naming the variable', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', FREESWITCH_ESL: '10.0.0.1:8021' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/^PORT: /m);
      expect(problems).toMatch(/^DATABASE_URL: must be a postgres/m);
      expect(problems).toMatch(/^FREESWITCH_ESL: must be host:port:password/m);
    }
  });

  test('PUBLIC_ORIGINS: comma-separated origins, normalised; a path or another scheme is refused', () => {
    expect(loadConfig({}).publicOrigins).toBeUndefined();
    expect(loadConfig({ PUBLIC_ORIGINS: 'https://Hotline.example.com/, http://10.0.0.5:8080' }).publicOrigins).toEqual(['https://hotline.example.com', 'http://10.0.0.5:8080']);
    expect(() => loadConfig({ PUBLIC_ORIGINS: 'https://hotline.example.com/app' })).toThrow(/PUBLIC_ORIGINS: must be origins/);
    expect(() => loadConfig({ PUBLIC_ORIGINS: 'ftp://hotline.example.com' })).toThrow(/PUBLIC_ORIGINS/);
  });

  test('several FreeSWITCH nodes, comma-separated', () => {
    expect(loadConfig({ FREESWITCH_ESL: '10.0.0.1:8021:secret1, 10.0.0.2:8021:secret2' }).freeswitchEsl).toContain('10.0.0.2');
  });

  test('production refuses the simulator, the embedded database and the default ESL password', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/FREESWITCH_ESL: required in production[\s\S]*DATABASE_URL: required/);
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/h', FREESWITCH_ESL: 'fs:8021:ClueCon' })).toThrow(/ClueCon/);
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/h', FREESWITCH_ESL: 'fs:8021:s3cret', ADMIN_PASSWORD: 'short-pass' })).toThrow(/ADMIN_PASSWORD/);
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/h', FREESWITCH_ESL: 'fs:8021:s3cret' })).toThrow(/XML_CURL_PASSWORD/);
    const ok = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/h', FREESWITCH_ESL: 'fs:8021:s3cret', XML_CURL_PASSWORD: 'a-long-xml-curl-secret' });
    expect(ok.cookieSecure).toBe(true);
  });
});
