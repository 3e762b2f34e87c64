import { ValidationError } from '../platform/errors';
import { nodeName, parseFreeswitchEsl } from './config';

describe('parseFreeswitchEsl', () => {
  it('parses one or more host:port:password entries', () => {
    expect(parseFreeswitchEsl('127.0.0.1:8021:ClueCon')).toEqual([{ host: '127.0.0.1', port: 8021, password: 'ClueCon' }]);
    expect(parseFreeswitchEsl(' fs1:8021:a , fs2:8022:b:c ')).toEqual([
      { host: 'fs1', port: 8021, password: 'a' },
      { host: 'fs2', port: 8022, password: 'b:c' },
    ]);
    expect(parseFreeswitchEsl('[::1]:8021:pw')).toEqual([{ host: '::1', port: 8021, password: 'pw' }]);
  });

  it.each([
    ['', /empty/],
    ['fs1', /host:port:password/],
    ['fs1:80x:pw', /port/],
    ['fs1:70000:pw', /port/],
    ['fs1:8021', /password is missing/],
    [':8021:pw', /host is empty/],
    ['fs1:8021:a,fs1:8021:b', /twice/],
  ])('%j → ValidationError %s', (input, message) => {
    expect(() => parseFreeswitchEsl(input)).toThrow(ValidationError);
    expect(() => parseFreeswitchEsl(input)).toThrow(message);
  });

  it('never echoes the password in an error', () => {
    try {
      parseFreeswitchEsl('fs1:99999:SuperSecret');
    } catch (err) {
      expect((err as Error).message).not.toContain('SuperSecret');
    }
  });

  it('names nodes host:port', () => {
    expect(nodeName({ host: 'fs1', port: 8021 })).toBe('fs1:8021');
    expect(nodeName({ host: '::1', port: 8021 })).toBe('[::1]:8021');
  });
});
