import { ConflictError, ValidationError } from '../platform/errors';

interface PgError {
  code: string;
  constraint?: string;
}

function isPgError(err: unknown): err is PgError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code);
}

/**
 * Turns Postgres constraint violations into domain errors: a unique index named in
 * `unique` becomes a 409 naming the field; a foreign key violation a 400.
 * The database is the arbiter of uniqueness, so concurrent creates cannot both win.
 */
export function mapConstraintError(err: unknown, unique: Record<string, { field: string; message: string }>, foreignKeys: Record<string, { field: string; message: string }> = {}): never {
  if (isPgError(err) && err.constraint) {
    if (err.code === '23505' && unique[err.constraint]) {
      const u = unique[err.constraint]!;
      throw new ConflictError(u.message, 'duplicate', [{ path: u.field, message: u.message }]);
    }
    if (err.code === '23503' && foreignKeys[err.constraint]) {
      const f = foreignKeys[err.constraint]!;
      throw new ValidationError(f.message, [{ path: f.field, message: f.message }]);
    }
  }
  throw err;
}
