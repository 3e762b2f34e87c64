import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../helpers/api-client';
import { deleteRedisPrefix } from '../helpers/redis-cleanup';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

/**
 * The embedded default, as `npm start` runs it: no DATABASE_URL, so PGlite under
 * DATA_DIR through the same pg code path; the first admin's password generated and
 * printed once; data survives a restart; SIGTERM shuts down cleanly.
 */
describe('embedded database default (server process)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-embedded-'));
  const env = { DATA_DIR: dataDir, MEDIA_DIR: path.join(dataDir, 'media'), REDIS_PREFIX: `hotline-test:embedded:${process.pid}:`, LOG_LEVEL: 'warn' };
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.stop();
    await deleteRedisPrefix(env.REDIS_PREFIX);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('generated admin password, data kept across a restart, graceful SIGTERM', async () => {
    server = await startServerProcess(env);
    const printed = /username: (\S+)\s+password: (\S+)/.exec(server.output());
    expect(printed).not.toBeNull();
    const [, username, password] = printed!;
    const admin = await new ApiClient(server.url).login(username!, password!);
    const health = await admin.get('/api/health');
    expect(health.body.database).toMatchObject({ ok: true, embedded: true });
    const unit = await admin.post('/api/org-units', { name: 'Persistent' });
    expect(unit.status).toBe(201);
    expect((await admin.post('/api/agents', { username: 'kept', password: 'kept-password', displayName: 'Kept', employeeNo: 'K1', orgUnitId: unit.body.id })).status).toBe(201);

    expect(await server.stop()).toBe(0);
    server = await startServerProcess(env);
    // The password is printed only on the first start.
    expect(server.output()).not.toMatch(/password: /);
    const kept = await new ApiClient(server.url).login('kept', 'kept-password');
    expect((await kept.get('/api/auth/me')).body.username).toBe('kept');
    const admin2 = await new ApiClient(server.url).login(username!, password!);
    expect((await admin2.get('/api/org-units')).body.map((u: { name: string }) => u.name)).toContain('Persistent');
  }, 120_000);
});
