import { z } from 'zod';
import { mapConstraintError } from '../db/errors';
import type { Queryable } from '../db/pool';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors';
import { text } from '../platform/text';

const name = text().trim().min(1, 'is required').max(100);
export const createOrgUnitBody = z.object({
  name,
  parentId: z.uuid().nullable().optional().describe('omit or null for a root unit'),
  description: text().max(1000).optional(),
});
export const updateOrgUnitBody = z
  .object({ name: name.optional(), description: text().max(1000).optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

export interface OrgUnit {
  id: string;
  parentId: string | null;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
}
export interface OrgUnitNode extends OrgUnit {
  agentCount: number;
  children: OrgUnitNode[];
}

const COLUMNS = `id, parent_id AS "parentId", name, description, created_at AS "createdAt", updated_at AS "updatedAt"`;
const UNIQUE = { org_units_sibling_name: { field: 'name', message: 'A unit with this name already exists under the same parent' } };
const FK = { org_units_parent_id_fkey: { field: 'parentId', message: 'The parent unit does not exist' } };

export async function getOrgUnit(q: Queryable, id: string): Promise<OrgUnit> {
  const { rows } = await q.query<OrgUnit>(`SELECT ${COLUMNS} FROM org_units WHERE id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('Organisation unit');
  return rows[0];
}

export async function createOrgUnit(q: Queryable, b: z.output<typeof createOrgUnitBody>): Promise<OrgUnit> {
  try {
    const { rows } = await q.query<OrgUnit>(`INSERT INTO org_units (parent_id, name, description) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`, [b.parentId ?? null, b.name, b.description ?? '']);
    return rows[0]!;
  } catch (err) {
    mapConstraintError(err, UNIQUE, FK);
  }
}

export async function updateOrgUnit(q: Queryable, id: string, b: z.output<typeof updateOrgUnitBody>): Promise<OrgUnit> {
  try {
    const { rows } = await q.query<OrgUnit>(
      `UPDATE org_units SET name = COALESCE($2, name), description = COALESCE($3, description), updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, b.name ?? null, b.description ?? null],
    );
    if (!rows[0]) throw new NotFoundError('Organisation unit');
    return rows[0];
  } catch (err) {
    mapConstraintError(err, UNIQUE);
  }
}

/** Refused while the unit has agents or child units: deleting must never orphan anyone. */
export async function deleteOrgUnit(q: Queryable, id: string): Promise<OrgUnit> {
  const unit = await getOrgUnit(q, id);
  // Lock the unit so an agent cannot be moved into it between the check and the delete.
  await q.query('SELECT 1 FROM org_units WHERE id = $1 FOR UPDATE', [id]);
  const { rows } = await q.query<{ agents: number; children: number }>(
    `SELECT (SELECT count(*) FROM users WHERE org_unit_id = $1)::int AS agents, (SELECT count(*) FROM org_units WHERE parent_id = $1)::int AS children`,
    [id],
  );
  const { agents, children } = rows[0]!;
  if (agents > 0) throw new ConflictError(`Unit "${unit.name}" still has ${agents} agent(s); move or remove them first`, 'unit_has_agents');
  if (children > 0) throw new ConflictError(`Unit "${unit.name}" still has ${children} child unit(s); delete or move them first`, 'unit_has_children');
  await q.query('DELETE FROM org_units WHERE id = $1', [id]);
  return unit;
}

/** The whole tree, roots first, siblings by name, each with its direct agent count. */
export async function orgTree(q: Queryable): Promise<OrgUnitNode[]> {
  const { rows } = await q.query<OrgUnit & { agentCount: number }>(
    `SELECT ${COLUMNS}, (SELECT count(*) FROM users u WHERE u.org_unit_id = o.id)::int AS "agentCount" FROM org_units o ORDER BY lower(name)`,
  );
  return buildTree(rows);
}

export function buildTree(rows: (OrgUnit & { agentCount: number })[]): OrgUnitNode[] {
  const nodes = new Map(rows.map((r) => [r.id, { ...r, children: [] as OrgUnitNode[] }]));
  const roots: OrgUnitNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export async function assertOrgUnitExists(q: Queryable, id: string | null | undefined, field = 'orgUnitId'): Promise<void> {
  if (!id) return;
  const { rowCount } = await q.query('SELECT 1 FROM org_units WHERE id = $1', [id]);
  if (!rowCount) throw new ValidationError('The organisation unit does not exist', [{ path: field, message: 'unknown organisation unit' }]);
}
