import pg from 'pg';
import type { Logger } from '../logging/logger';

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;
/** Anything that runs a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

// Postgres bigint/numeric come back as strings by default; counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

const DUPLICATE_PREPARED_STATEMENT = '42P05';

/**
 * An error the server reported on a healthy session (bad SQL, a constraint, a NUL in
 * text): the connection is still usable. Anything else (a dropped socket, a FATAL)
 * means the connection must be thrown away.
 */
export function isStatementError(err: unknown): boolean {
  return err instanceof pg.DatabaseError && err.severity !== 'FATAL' && err.severity !== 'PANIC';
}

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
  if (opts.embedded) {
    // PGlite has ONE backend session that outlives each socket connection: a new pg client
    // starts with an empty statement cache while the session still holds the old client's
    // named statements, so its first Parse of one would fail with "already exists".
    // Queued before anything else the new client runs.
    pool.on('connect', (client) => void client.query('DEALLOCATE ALL').catch((err: unknown) => opts.log.warn({ err }, 'could not reset prepared statements on a new embedded connection')));
  }
  pool.query = keepClientOnStatementError(pool);
  return pool;
}

type QueryInput = string | pg.QueryConfig;

/**
 * pg-pool's own query() destroys the client on ANY error. On PGlite (one connection,
 * one shared session) that reconnect is what broke named statements for everyone; on
 * Postgres it is a needless reconnect. Here only errors that leave the connection
 * unusable retire it.
 */
function keepClientOnStatementError(pool: pg.Pool): pg.Pool['query'] {
  const query = async (input: QueryInput, values?: unknown[]): Promise<pg.QueryResult> => {
    if (typeof values === 'function' || typeof (input as { submit?: unknown }).submit === 'function') {
      throw new TypeError('Db.query takes text or a QueryConfig and returns a promise (no callbacks or submittables)');
    }
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await runNamedSafely(client, input, values);
    } catch (err) {
      if (!isStatementError(err)) broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
  };
  return query as unknown as pg.Pool['query'];
}

/**
 * Runs a query; a named statement the session already holds under that name (left by
 * an earlier connection to a shared session) is dropped and prepared again, once.
 */
export async function runNamedSafely(client: pg.PoolClient | pg.Client, input: QueryInput, values?: unknown[]): Promise<pg.QueryResult> {
  try {
    return await client.query(input, values);
  } catch (err) {
    const name = typeof input === 'string' ? undefined : input.name;
    if (!name || (err as { code?: unknown }).code !== DUPLICATE_PREPARED_STATEMENT) throw err;
    await client.query(`DEALLOCATE ${client.escapeIdentifier(name)}`);
    return client.query(input, values);
  }
}

/** Runs fn in a transaction; rolls back on any error and rethrows it. */
export async function inTransaction<T>(db: Db, fn: (client: DbClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot even roll back is not handed to the next caller.
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
