import pg from 'pg';
import type { Logger } from '../logging/logger';

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;
/** Anything that runs a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

// Postgres bigint/numeric come back as strings by default; counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(url: string, opts: { embedded: boolean; log: Logger }): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.embedded ? 1 : 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: opts.embedded ? 0 : 30_000,
    statement_timeout: 30_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => opts.log.error({ err }, 'postgres idle client error'));
  return pool;
}

/** Runs fn in a transaction; rolls back on any error and rethrows it. */
export async function inTransaction<T>(db: Db, fn: (client: DbClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
