/**
 * Flow lifecycle in Postgres: drafts, validation against the database (references),
 * immutable published versions, rollback, service-number bindings.
 */
import { z } from 'zod';
import type { Queryable } from '../../db/pool';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors';
import { SQL_INT_MAX } from '../../platform/numbers';
import { checkFlow, flowValidationError, problemPath, type FlowProblem, type FlowReference } from '../engine/flow';
import { slug } from '../engine/schemas';
import type { MediaLocator } from '../prompts/media-files';

export const createFlowBody = z.strictObject({
  name: slug.describe('unique; other flows goto it by this name'),
  description: z.string().max(500).default(''),
  draft: z.record(z.string(), z.unknown()).optional().describe('the flow document; a minimal one is created when omitted'),
});
export const updateFlowBody = z.strictObject({ description: z.string().max(500) });
export const draftBody = z.record(z.string(), z.unknown()).describe('the flow document (see ivr-flows/flow.schema.json); saved even when invalid');
export const publishBody = z.strictObject({ note: z.string().max(500).default('') });
export const rollbackBody = z.strictObject({ version: z.number().int().positive() });
export const bindBody = z.strictObject({ flowId: z.uuid(), description: z.string().max(200).default('') });
export const numberParams = z.object({ number: z.string().regex(/^\+?[0-9]{2,20}$/, 'digits, optional leading +') });
export const versionParams = z.object({ id: z.uuid(), version: z.coerce.number().int().positive().max(SQL_INT_MAX) });

export interface FlowSummary {
  id: string;
  name: string;
  description: string;
  activeVersion: number | null;
  latestVersion: number | null;
  draftUpdatedAt: string;
  numbers: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FlowDetail extends FlowSummary {
  draft: Record<string, unknown>;
}

export interface FlowVersion {
  flowId: string;
  version: number;
  definition: Record<string, unknown>;
  publishedAt: string;
  publishedBy: string | null;
  note: string;
}

export interface ValidationReport {
  valid: boolean;
  problems: (FlowProblem & { path: string })[];
}

const SUMMARY = `
  SELECT f.id, f.name, f.description, f.active_version AS "activeVersion",
         (SELECT max(version) FROM ivr_flow_versions v WHERE v.flow_id = f.id) AS "latestVersion",
         f.draft_updated_at AS "draftUpdatedAt", f.created_at AS "createdAt", f.updated_at AS "updatedAt",
         COALESCE((SELECT array_agg(n.number ORDER BY n.number) FROM ivr_service_numbers n WHERE n.flow_id = f.id), '{}') AS numbers`;

export async function listFlows(q: Queryable): Promise<FlowSummary[]> {
  const { rows } = await q.query<FlowSummary>(`${SUMMARY} FROM ivr_flows f ORDER BY f.name`);
  return rows;
}

export async function getFlow(q: Queryable, id: string): Promise<FlowDetail> {
  const { rows } = await q.query<FlowDetail>(`${SUMMARY}, f.draft FROM ivr_flows f WHERE f.id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError('Flow');
  return rows[0];
}

export async function flowIdByName(q: Queryable, name: string): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM ivr_flows WHERE name = $1', [name]);
  return rows[0]?.id;
}

function skeleton(name: string): Record<string, unknown> {
  return { name, language: 'zh', start: 'welcome', nodes: [{ id: 'welcome', type: 'play', params: { prompt: { text: '您好，欢迎致电。' } }, exits: { next: 'bye' } }, { id: 'bye', type: 'hangup', params: {} }] };
}

export async function createFlow(q: Queryable, body: z.output<typeof createFlowBody>): Promise<FlowDetail> {
  const draft = { ...(body.draft ?? skeleton(body.name)), name: body.name };
  try {
    const { rows } = await q.query<{ id: string }>('INSERT INTO ivr_flows (name, description, draft) VALUES ($1, $2, $3) RETURNING id', [body.name, body.description, JSON.stringify(draft)]);
    return getFlow(q, rows[0]!.id);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new ConflictError(`A flow named "${body.name}" already exists`, 'duplicate', [{ path: 'name', message: 'is taken' }]);
    throw err;
  }
}

export async function updateFlow(q: Queryable, id: string, body: z.output<typeof updateFlowBody>): Promise<FlowDetail> {
  const { rowCount } = await q.query('UPDATE ivr_flows SET description = $2, updated_at = now() WHERE id = $1', [id, body.description]);
  if (!rowCount) throw new NotFoundError('Flow');
  return getFlow(q, id);
}

/** Saves the working copy as given (it may be invalid); its name is always the flow's. */
export async function saveDraft(q: Queryable, id: string, draft: Record<string, unknown>): Promise<FlowDetail> {
  const flow = await getFlow(q, id);
  await q.query('UPDATE ivr_flows SET draft = $2, draft_updated_at = now(), updated_at = now() WHERE id = $1', [id, JSON.stringify({ ...draft, name: flow.name })]);
  return getFlow(q, id);
}

export async function deleteFlow(q: Queryable, id: string): Promise<FlowDetail> {
  const flow = await getFlow(q, id);
  if (flow.numbers.length > 0) throw new ConflictError(`Flow "${flow.name}" answers ${flow.numbers.join(', ')}: unbind those numbers first`, 'in_use');
  const users = await flowsReferencing(q, flow.name);
  if (users.length > 0) throw new ConflictError(`Flow "${flow.name}" is the goto target of published flows: ${users.join(', ')}`, 'in_use');
  await q.query('DELETE FROM ivr_flows WHERE id = $1', [id]);
  return flow;
}

/** Names of other flows whose active version goes to `name`. */
async function flowsReferencing(q: Queryable, name: string): Promise<string[]> {
  const { rows } = await q.query<{ name: string; definition: unknown }>(
    `SELECT f.name, v.definition FROM ivr_flows f JOIN ivr_flow_versions v ON v.flow_id = f.id AND v.version = f.active_version WHERE f.name <> $1`,
    [name],
  );
  return rows.filter((r) => checkFlow(r.definition).references.some((ref) => ref.kind === 'flow' && ref.name === name)).map((r) => r.name);
}

/** Checks what the flow references outside itself against the database and MEDIA_DIR. */
export async function referenceProblems(q: Queryable, refs: FlowReference[], selfName: string, media: MediaLocator): Promise<FlowProblem[]> {
  const names = (kind: FlowReference['kind']) => [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.name))];
  const found = async (sql: string, list: string[]) => (list.length === 0 ? new Set<string>() : new Set((await q.query<{ n: string }>(sql, [list])).rows.map((r) => r.n)));
  const [prompts, groups, agents, flows] = await Promise.all([
    found('SELECT name AS n FROM ivr_prompts WHERE name = ANY($1)', names('prompt')),
    found('SELECT lower(name) AS n FROM skill_groups WHERE lower(name) = ANY(SELECT lower(x) FROM unnest($1::text[]) x)', names('skillGroup')),
    found('SELECT lower(username) AS n FROM users WHERE enabled AND lower(username) = ANY(SELECT lower(x) FROM unnest($1::text[]) x)', names('agent')),
    found('SELECT name AS n FROM ivr_flows WHERE active_version IS NOT NULL AND name = ANY($1)', names('flow')),
  ]);
  const problems: FlowProblem[] = [];
  for (const r of refs) {
    if (r.kind === 'prompt' && !prompts.has(r.name)) problems.push({ node: r.node, field: r.field, message: `prompt "${r.name}" does not exist` });
    if (r.kind === 'skillGroup' && !groups.has(r.name.toLowerCase())) problems.push({ node: r.node, field: r.field, message: `skill group "${r.name}" does not exist` });
    if (r.kind === 'agent' && !agents.has(r.name.toLowerCase())) problems.push({ node: r.node, field: r.field, message: `agent "${r.name}" does not exist or is disabled` });
    if (r.kind === 'flow' && r.name !== selfName && !flows.has(r.name)) problems.push({ node: r.node, field: r.field, message: `flow "${r.name}" does not exist or is not published` });
    if (r.kind === 'file') {
      const hit = media.locate(r.name);
      if ('problem' in hit) problems.push({ node: r.node, field: r.field, message: hit.problem });
    }
  }
  return problems;
}

/** Schema, wiring, reachability, loops, then references: everything, with paths naming node and field. */
export async function validateDefinition(q: Queryable, definition: unknown, flowName: string, media: MediaLocator): Promise<ValidationReport> {
  const check = checkFlow(definition);
  const problems = check.problems.length > 0 ? check.problems : await referenceProblems(q, check.references, flowName, media);
  return { valid: problems.length === 0, problems: problems.map((p) => ({ ...p, path: problemPath(p) })) };
}

export async function validateDraft(q: Queryable, id: string, media: MediaLocator): Promise<ValidationReport> {
  const flow = await getFlow(q, id);
  return validateDefinition(q, flow.draft, flow.name, media);
}

/** Publishes the draft as the next immutable version and makes it active. 400 when invalid. */
export async function publishDraft(q: Queryable, id: string, by: string | null, note: string, media: MediaLocator): Promise<FlowVersion> {
  await q.query('SELECT 1 FROM ivr_flows WHERE id = $1 FOR UPDATE', [id]);
  const flow = await getFlow(q, id);
  const report = await validateDefinition(q, flow.draft, flow.name, media);
  if (!report.valid) throw flowValidationError(report.problems);
  const version = (flow.latestVersion ?? 0) + 1;
  await q.query('INSERT INTO ivr_flow_versions (flow_id, version, definition, published_by, note) VALUES ($1, $2, $3, $4, $5)', [id, version, JSON.stringify(flow.draft), by, note]);
  await q.query('UPDATE ivr_flows SET active_version = $2, updated_at = now() WHERE id = $1', [id, version]);
  return getVersion(q, id, version);
}

export async function listVersions(q: Queryable, id: string): Promise<Omit<FlowVersion, 'definition'>[]> {
  await getFlow(q, id);
  const { rows } = await q.query<Omit<FlowVersion, 'definition'>>(
    `SELECT flow_id AS "flowId", version, published_at AS "publishedAt", published_by AS "publishedBy", note FROM ivr_flow_versions WHERE flow_id = $1 ORDER BY version DESC`,
    [id],
  );
  return rows;
}

export async function getVersion(q: Queryable, id: string, version: number): Promise<FlowVersion> {
  const { rows } = await q.query<FlowVersion>(
    `SELECT flow_id AS "flowId", version, definition, published_at AS "publishedAt", published_by AS "publishedBy", note FROM ivr_flow_versions WHERE flow_id = $1 AND version = $2`,
    [id, version],
  );
  if (!rows[0]) throw new NotFoundError(`Version ${version} of the flow`);
  return rows[0];
}

/** Makes an earlier version active again (its references are re-checked: a prompt may be gone). */
export async function rollback(q: Queryable, id: string, version: number, media: MediaLocator): Promise<FlowDetail> {
  const flow = await getFlow(q, id);
  const v = await getVersion(q, id, version);
  const report = await validateDefinition(q, v.definition, flow.name, media);
  if (!report.valid) throw new ValidationError(`Version ${version} can no longer run: ${report.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, report.problems.map((p) => ({ path: p.path, message: p.message })));
  await q.query('UPDATE ivr_flows SET active_version = $2, updated_at = now() WHERE id = $1', [id, version]);
  return getFlow(q, id);
}

export interface ServiceNumber {
  number: string;
  flowId: string;
  flowName: string;
  activeVersion: number | null;
  description: string;
}

export async function listNumbers(q: Queryable): Promise<ServiceNumber[]> {
  const { rows } = await q.query<ServiceNumber>(
    `SELECT n.number, n.flow_id AS "flowId", f.name AS "flowName", f.active_version AS "activeVersion", n.description
       FROM ivr_service_numbers n JOIN ivr_flows f ON f.id = n.flow_id ORDER BY n.number`,
  );
  return rows;
}

export async function getNumber(q: Queryable, number: string): Promise<ServiceNumber | undefined> {
  return (await listNumbers(q)).find((n) => n.number === number);
}

/** Binds (or rebinds) a service number to a published flow. */
export async function bindNumber(q: Queryable, number: string, body: z.output<typeof bindBody>): Promise<ServiceNumber> {
  const flow = await getFlow(q, body.flowId);
  if (flow.activeVersion === null) throw new ConflictError(`Flow "${flow.name}" has no published version yet`, 'not_published', [{ path: 'flowId', message: 'publish the flow first' }]);
  await q.query(
    `INSERT INTO ivr_service_numbers (number, flow_id, description) VALUES ($1, $2, $3)
     ON CONFLICT (number) DO UPDATE SET flow_id = EXCLUDED.flow_id, description = EXCLUDED.description, updated_at = now()`,
    [number, body.flowId, body.description],
  );
  return (await getNumber(q, number))!;
}

export async function unbindNumber(q: Queryable, number: string): Promise<ServiceNumber> {
  const before = await getNumber(q, number);
  if (!before) throw new NotFoundError('Service number');
  await q.query('DELETE FROM ivr_service_numbers WHERE number = $1', [number]);
  return before;
}

/** What a call to `number` runs now: the bound flow's active version. */
export async function resolveNumber(q: Queryable, number: string): Promise<{ flowId: string; version: number } | undefined> {
  const { rows } = await q.query<{ flowId: string; version: number }>(
    `SELECT f.id AS "flowId", f.active_version AS version FROM ivr_service_numbers n JOIN ivr_flows f ON f.id = n.flow_id
      WHERE n.number = $1 AND f.active_version IS NOT NULL`,
    [number],
  );
  return rows[0];
}

export async function loadPublishedByName(q: Queryable, name: string): Promise<{ flowId: string; version: number; definition: unknown } | undefined> {
  const { rows } = await q.query<{ flowId: string; version: number; definition: unknown }>(
    `SELECT f.id AS "flowId", v.version, v.definition FROM ivr_flows f JOIN ivr_flow_versions v ON v.flow_id = f.id AND v.version = f.active_version WHERE f.name = $1`,
    [name],
  );
  return rows[0];
}

/** Names of prompts used by the active version of any flow. */
export async function promptsInUse(q: Queryable): Promise<Map<string, string[]>> {
  const { rows } = await q.query<{ name: string; definition: unknown }>(`SELECT f.name, v.definition FROM ivr_flows f JOIN ivr_flow_versions v ON v.flow_id = f.id AND v.version = f.active_version`);
  const used = new Map<string, string[]>();
  for (const r of rows) {
    for (const ref of checkFlow(r.definition).references) {
      if (ref.kind !== 'prompt') continue;
      const flows = used.get(ref.name) ?? [];
      if (!flows.includes(r.name)) flows.push(r.name);
      used.set(ref.name, flows);
    }
  }
  return used;
}
