import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPool, inTransaction, type Db } from '../../server/db/pool';
import { silentLogger } from '../../server/logging/logger';
import { startEmbeddedPostgresProcess } from '../helpers/embedded-postgres-process';

const ADMIN_PG = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const named = (v: string) => ({ name: 'pool_test_echo', text: 'SELECT $1::text AS v', values: [v] });

/**
 * Issue 13 item 1: one bad query (here a NUL byte in a text parameter, as a visitor's
 * page URL once carried) must not break the pool, nor the named statements other
 * requests share, on either database.
 */
describe.each([
  ['embedded PGlite', true],
  ['Postgres', false],
])('database pool survives query errors (%s)', (_label, embedded) => {
  let db: Db;
  let pglite: { url: string; stop(): Promise<void> } | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    if (embedded) {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-pool-'));
      pglite = await startEmbeddedPostgresProcess(dir);
    }
    db = createPool(pglite?.url ?? ADMIN_PG, { embedded, log: silentLogger });
  }, 60_000);

  afterAll(async () => {
    await db.end();
    await pglite?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a named statement keeps working after statement errors, on the same connection', async () => {
    expect((await db.query<{ v: string }>(named('before'))).rows[0]!.v).toBe('before');
    const pid = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await expect(db.query('SELECT $1::text', ['a\u0000'])).rejects.toThrow(/0x00/);
    await expect(db.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
    await expect(db.query({ name: 'pool_test_bad', text: 'SELECT * FROM no_such_table' })).rejects.toThrow(/does not exist/);
    for (let i = 0; i < 3; i++) expect((await db.query<{ v: string }>(named(`after ${i}`))).rows[0]!.v).toBe(`after ${i}`);
    // The connection was kept, not replaced (a replacement is what broke PGlite's shared session).
    expect((await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid).toBe(pid);
    expect(db.totalCount).toBe(1);
  });

  test('a failed transaction rolls back and leaves the pool usable', async () => {
    await expect(
      inTransaction(db, async (tx) => {
        await tx.query(named('in tx'));
        await tx.query('SELECT 1/0');
      }),
    ).rejects.toThrow(/division by zero/);
    expect((await db.query<{ v: string }>(named('after tx'))).rows[0]!.v).toBe('after tx');
  });

  test('a named statement is safe when a new connection lands on a session that already holds it', async () => {
    expect((await db.query<{ v: string }>(named('old connection'))).rows[0]!.v).toBe('old connection');
    // Drop the pooled connection as a network error would; PGlite keeps its one session.
    const client = await db.connect();
    client.release(new Error('simulated connection loss'));
    expect((await db.query<{ v: string }>(named('new connection'))).rows[0]!.v).toBe('new connection');
    expect((await db.query<{ v: string }>(named('again'))).rows[0]!.v).toBe('again');
  });

  test('a statement name the session already holds is replaced, not an error', async () => {
    const client = await db.connect();
    // Prepared behind pg's back, as another connection to a shared session would have.
    await client.query("PREPARE pool_test_shared AS SELECT 'stale'::text AS v");
    client.release();
    const fresh = await db.query<{ v: string }>({ name: 'pool_test_shared', text: "SELECT 'fresh'::text AS v" });
    expect(fresh.rows[0]!.v).toBe('fresh');
  });
});

// Keeps pg's DatabaseError import honest: the pool relies on it to tell statement errors from broken connections.
test('pg exports DatabaseError', () => expect(typeof pg.DatabaseError).toBe('function'));
