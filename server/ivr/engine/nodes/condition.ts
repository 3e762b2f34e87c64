import { z } from 'zod';
import { IvrNode, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { varName } from '../schemas';
import type { Variables } from '../variables';

const exitName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'lowercase exit name');
const scalar = z.union([z.string().max(500), z.number()]);

const comparison = z.strictObject({
  var: varName.describe('caller_number, destination_number, a set/collect/lookup variable, customer.vip, ...'),
  op: z.enum(['eq', 'ne', 'in', 'notIn', 'startsWith', 'matches', 'exists', 'missing', 'gt', 'gte', 'lt', 'lte']),
  value: z.union([scalar, z.array(scalar).max(100)]).optional(),
});
export type Comparison = z.output<typeof comparison>;

export const conditionParams = z.strictObject({
  rules: z
    .array(
      z.strictObject({
        exit: exitName,
        match: z.enum(['all', 'any']).default('all'),
        conditions: z.array(comparison).min(1).max(20),
      }),
    )
    .min(1)
    .max(20)
    .describe('checked in order; the first rule that holds gives the exit, else `else`'),
});
export type ConditionParams = z.output<typeof conditionParams>;

export function compare(vars: Variables, c: Comparison): boolean {
  const v = vars.get(c.var);
  const want = c.value;
  const list = (Array.isArray(want) ? want : want === undefined ? [] : [want]).map(String);
  switch (c.op) {
    case 'exists':
      return v !== undefined && v !== '';
    case 'missing':
      return v === undefined || v === '';
    case 'eq':
      return v !== undefined && v === String(want);
    case 'ne':
      return v !== String(want);
    case 'in':
      return v !== undefined && list.includes(v);
    case 'notIn':
      return v === undefined || !list.includes(v);
    case 'startsWith':
      return v !== undefined && list.some((p) => v.startsWith(p));
    case 'matches':
      return v !== undefined && new RegExp(String(want)).test(v);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const a = Number(v);
      const b = Number(want);
      if (v === undefined || v === '' || !Number.isFinite(a) || !Number.isFinite(b)) return false;
      return c.op === 'gt' ? a > b : c.op === 'gte' ? a >= b : c.op === 'lt' ? a < b : a <= b;
    }
  }
}

/** Branches on variables (caller number, collected digits, lookup results such as customer.vip). */
export class ConditionNode extends IvrNode<ConditionParams> {
  exec(ctx: NodeContext): Promise<Outcome> {
    for (const [i, rule] of this.params.rules.entries()) {
      const results = rule.conditions.map((c) => compare(ctx.vars, c));
      const holds = rule.match === 'all' ? results.every(Boolean) : results.some(Boolean);
      if (holds) return Promise.resolve({ exit: rule.exit, data: { rule: i } });
    }
    return Promise.resolve({ exit: 'else' });
  }
}

export const conditionNode: NodeSpec<ConditionParams> = {
  type: 'condition',
  description: 'Branch on variables, the caller number or customer attributes; first matching rule wins, else `else`.',
  params: conditionParams,
  exits: (p) => ({ required: [...new Set([...p.rules.map((r) => r.exit), 'else'])], optional: ['failure'] }),
  fallbacks: { failure: 'else' },
  input: false,
  needs: () => ({ answered: false }),
  references: () => [],
  check: (def) =>
    def.params.rules.flatMap((r, i) =>
      r.conditions.flatMap((c, j) => {
        const field = `params.rules.${i}.conditions.${j}.value`;
        if (['exists', 'missing'].includes(c.op)) return [];
        if (c.value === undefined) return [{ field, message: `op ${c.op} needs a value` }];
        if (c.op === 'matches') {
          try {
            new RegExp(String(c.value));
          } catch {
            return [{ field, message: 'is not a valid regular expression' }];
          }
        }
        return [];
      }),
    ),
  create: (def) => new ConditionNode(def),
};
