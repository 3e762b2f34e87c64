import { inTransaction, type Db, type DbClient } from '../db/pool';
import { recordAudit, type Actor } from './audit';

export interface AuditedChange<T> {
  result: T;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

/**
 * Runs an admin change and its audit row in one transaction: either both land or neither.
 * `after` defaults to the result.
 */
export async function audited<T>(
  db: Db,
  who: { actor: Actor; ip?: string },
  what: { action: string; entityType: string },
  change: (tx: DbClient) => Promise<AuditedChange<T>>,
): Promise<T> {
  return inTransaction(db, async (tx) => {
    const c = await change(tx);
    await recordAudit(tx, { actor: who.actor, ip: who.ip, action: what.action, entityType: what.entityType, entityId: c.entityId, before: c.before, after: c.after ?? c.result });
    return c.result;
  });
}
