import fs from 'node:fs';
import path from 'node:path';
import { Umzug, type UmzugStorage } from 'umzug';
import type { Db, DbClient } from './pool';
import type { Logger } from '../logging/logger';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant works; it only has to be the same in every Hotline process.
const MIGRATION_LOCK_KEY = 7_420_001;

/**
 * Umzug's ledger lives in Postgres. The row is written by the migration's own
 * transaction (see migrate), so a crash can never record a migration that did not apply.
 */
function pgStorage(client: DbClient): UmzugStorage {
  return {
    async logMigration() {
      // already recorded inside the migration's transaction
    },
    async unlogMigration({ name }) {
      await client.query('DELETE FROM schema_migrations WHERE name = $1', [name]);
    },
    async executed() {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      return rows.map((r) => r.name);
    },
  };
}

/**
 * Applies pending versioned SQL migrations (server/db/migrations/NNNN_name.sql) in order.
 * An advisory lock makes concurrent server starts wait for each other instead of racing.
 */
export async function migrate(db: Db, log: Logger): Promise<string[]> {
  const client = await db.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const umzug = new Umzug({
      migrations: {
        glob: ['*.sql', { cwd: MIGRATIONS_DIR }],
        resolve: ({ name, path: file }) => ({
          name,
          up: async () => {
            const sql = fs.readFileSync(file!, 'utf8');
            await client.query('BEGIN');
            try {
              await client.query(sql);
              await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
              await client.query('COMMIT');
            } catch (err) {
              await client.query('ROLLBACK');
              throw err;
            }
          },
        }),
      },
      storage: pgStorage(client),
      logger: undefined,
    });
    const applied = await umzug.up();
    for (const m of applied) log.info({ migration: m.name }, 'migration applied');
    return applied.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
