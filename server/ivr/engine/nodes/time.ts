import { z } from 'zod';
import { IvrNode, type NodeContext, type NodeSpec, type Outcome } from '../node';
import { evaluateSchedule, isTimeZone, toMinutes, WEEKDAYS } from '../schedule';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM (00:00-24:00)');
const date = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'YYYY-MM-DD');
const period = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'lowercase name: becomes an exit');
const range = z.strictObject({ from: hhmm, to: hhmm, period: period.optional().describe('exit to take in this range instead of open') });
const ranges = z.array(range).max(12);

export const timeParams = z.strictObject({
  timezone: z.string().min(1).default('Asia/Shanghai').describe('IANA time zone'),
  weekly: z.strictObject({ mon: ranges.optional(), tue: ranges.optional(), wed: ranges.optional(), thu: ranges.optional(), fri: ranges.optional(), sat: ranges.optional(), sun: ranges.optional() }).describe('open ranges per weekday; a missing day is closed'),
  holidays: z.array(z.strictObject({ date, name: z.string().max(100).optional() })).max(366).default([]).describe('closed all day'),
  exceptions: z.array(z.strictObject({ date, name: z.string().max(100).optional(), ranges })).max(366).default([]).describe('special hours replacing the weekday (e.g. a working weekend)'),
});
export type TimeParams = z.output<typeof timeParams>;

/** Branches on the schedule: exits `open`, `closed`, and one per named period. */
export class TimeNode extends IvrNode<TimeParams> {
  exec(ctx: NodeContext): Promise<Outcome> {
    const v = evaluateSchedule(this.params, ctx.ports.clock.now());
    const data = { localDate: v.local.date, weekday: v.local.weekday, reason: v.reason, ...('name' in v && v.name ? { name: v.name } : {}) };
    if (v.state === 'closed') return Promise.resolve({ exit: 'closed', data });
    return Promise.resolve({ exit: v.period ?? 'open', data });
  }
}

function periods(p: TimeParams): string[] {
  const all = [...Object.values(p.weekly).flatMap((r) => r ?? []), ...p.exceptions.flatMap((e) => e.ranges)];
  return [...new Set(all.flatMap((r) => (r.period ? [r.period] : [])))];
}

export const timeNode: NodeSpec<TimeParams> = {
  type: 'time',
  description: 'Work-hours schedule per weekday with holidays and exception dates in a time zone; exits open, closed, named periods.',
  params: timeParams,
  exits: (p) => ({ required: ['open', 'closed', ...periods(p)], optional: ['failure'] }),
  // Unknown time (should not happen): treat as closed, the conservative branch.
  fallbacks: { failure: 'closed' },
  input: false,
  needs: () => ({ answered: false }),
  references: () => [],
  check: (def) => {
    const out: { field: string; message: string }[] = [];
    if (!isTimeZone(def.params.timezone)) out.push({ field: 'params.timezone', message: `unknown time zone "${def.params.timezone}"` });
    const check = (rs: { from: string; to: string }[], field: string) =>
      rs.forEach((r, i) => {
        if (toMinutes(r.from) >= toMinutes(r.to)) out.push({ field: `${field}.${i}`, message: 'from must be before to' });
      });
    for (const d of WEEKDAYS) check(def.params.weekly[d] ?? [], `params.weekly.${d}`);
    def.params.exceptions.forEach((e, i) => check(e.ranges, `params.exceptions.${i}.ranges`));
    return out;
  },
  create: (def) => new TimeNode(def),
};
