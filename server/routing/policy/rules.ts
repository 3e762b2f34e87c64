import type { AttributeValue, Channel, ContactFacts, Target } from './types';

/**
 * Routing rules: an ordered list, first enabled match wins (seed 000 §4.1.3).
 * A rule sends the contact to a skill group or a named agent, and may overflow
 * elsewhere when that target cannot serve it (seed 004: "第一分配對象無法接入會話,
 * 會話將流轉給第二客服對象"). Every condition left out matches anything.
 */

/** A weekly timetable in one time zone, with holidays off. */
export interface Schedule {
  timezone: string;
  /** days: 0 = Sunday … 6 = Saturday; from/to "HH:MM", to exclusive; to < from spans midnight. */
  windows: { days: number[]; from: string; to: string }[];
  /** Dates (YYYY-MM-DD, in the schedule's zone) that are closed all day. */
  holidays?: string[];
}

export type AttributeCondition = { key: string; op: 'eq'; value: AttributeValue } | { key: string; op: 'in'; values: AttributeValue[] } | { key: string; op: 'exists' };

export interface RuleConditions {
  channels?: Channel[];
  serviceNumbers?: string[];
  sites?: string[];
  navigation?: string[];
  /** All must hold. */
  attributes?: AttributeCondition[];
  /** Match only inside (default) or only outside the schedule's open hours. */
  schedule?: Schedule & { match?: 'open' | 'closed' };
}

export type OverflowCondition = { kind: 'queue_length_over'; n: number } | { kind: 'wait_over'; seconds: number } | { kind: 'none_logged_in' } | { kind: 'none_ready' };

/** Where an overflowing contact goes: another ACD target, or out of the ACD to its owner (voicemail / leave a message, or an IVR flow node). */
export type OverflowDestination = Target | { kind: 'voicemail' } | { kind: 'flow_node'; flowId: string; nodeId: string };

export interface Overflow {
  when: OverflowCondition;
  to: OverflowDestination;
}

export interface RoutingRule {
  id: string;
  name: string;
  /** Lower runs first. */
  priority: number;
  enabled: boolean;
  conditions: RuleConditions;
  action: Target;
  overflow: Overflow[];
}

/** Local weekday, date and minutes of day of an instant in a zone. Intl does the zone arithmetic. */
export function localTime(now: number, timezone: string): { day: number; date: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(now));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { day, date: `${get('year')}-${get('month')}-${get('day')}`, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function isOpen(s: Schedule, now: number): boolean {
  const t = localTime(now, s.timezone);
  if (s.holidays?.includes(t.date)) return false;
  return s.windows.some((w) => {
    const from = toMinutes(w.from);
    const to = toMinutes(w.to);
    if (from <= to) return w.days.includes(t.day) && t.minutes >= from && t.minutes < to;
    // Spans midnight: the evening belongs to the listed day, the early morning to the day after.
    return (w.days.includes(t.day) && t.minutes >= from) || (w.days.includes((t.day + 6) % 7) && t.minutes < to);
  });
}

function attributeHolds(c: AttributeCondition, attrs: Record<string, AttributeValue>): boolean {
  const v = attrs[c.key];
  switch (c.op) {
    case 'exists':
      return v !== undefined;
    case 'eq':
      return v === c.value;
    case 'in':
      return v !== undefined && c.values.includes(v);
  }
}

export function ruleMatches(c: RuleConditions, f: ContactFacts, now: number): boolean {
  if (c.channels && !c.channels.includes(f.channel)) return false;
  if (c.serviceNumbers && !(f.entry?.serviceNumber !== undefined && c.serviceNumbers.includes(f.entry.serviceNumber))) return false;
  if (c.sites && !(f.entry?.site !== undefined && c.sites.includes(f.entry.site))) return false;
  if (c.navigation && !(f.navigation !== undefined && c.navigation.includes(f.navigation))) return false;
  if (c.attributes && !c.attributes.every((a) => attributeHolds(a, f.attributes ?? {}))) return false;
  if (c.schedule && isOpen(c.schedule, now) !== ((c.schedule.match ?? 'open') === 'open')) return false;
  return true;
}

/** The first enabled rule, by priority, whose conditions all hold. */
export function matchRule(rules: readonly RoutingRule[], facts: ContactFacts, now: number): RoutingRule | undefined {
  return [...rules].filter((r) => r.enabled).sort((a, b) => a.priority - b.priority).find((r) => ruleMatches(r.conditions, facts, now));
}

/** The state of a target's queue on the contact's channel, when the contact arrives. */
export interface QueueSnapshot {
  queueLength: number;
  loggedIn: number;
  ready: number;
}

/**
 * The overflow that applies on arrival, in the listed order. Waiting too long is
 * not decided here: see waitOverflow.
 */
export function overflowOnArrival(overflow: readonly Overflow[], q: QueueSnapshot): Overflow | undefined {
  return overflow.find((o) => {
    switch (o.when.kind) {
      case 'queue_length_over':
        return q.queueLength > o.when.n;
      case 'none_logged_in':
        return q.loggedIn === 0;
      case 'none_ready':
        return q.ready === 0;
      case 'wait_over':
        return false;
    }
  });
}

/** The earliest wait-time overflow: after that many seconds still queued, the contact moves. */
export function waitOverflow(overflow: readonly Overflow[]): { seconds: number; to: OverflowDestination } | undefined {
  let best: { seconds: number; to: OverflowDestination } | undefined;
  for (const o of overflow) if (o.when.kind === 'wait_over' && (!best || o.when.seconds < best.seconds)) best = { seconds: o.when.seconds, to: o.to };
  return best;
}

/** Groups a rule refers to, as action or overflow: these groups cannot be deleted while the rule exists. */
export function groupsUsedBy(rule: Pick<RoutingRule, 'action' | 'overflow'>): string[] {
  const ids = new Set<string>();
  if (rule.action.kind === 'group') ids.add(rule.action.id);
  for (const o of rule.overflow) if (o.to.kind === 'group') ids.add(o.to.id);
  return [...ids];
}

export function isAcdTarget(d: OverflowDestination): d is Target {
  return d.kind === 'group' || d.kind === 'agent';
}
