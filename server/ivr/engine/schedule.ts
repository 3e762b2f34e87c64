/**
 * Work-hours schedules: weekly ranges per weekday, holidays (closed all day) and exception
 * dates (special hours that replace the weekday's), evaluated in an IANA time zone with
 * Intl (no time library). Ranges are [from, to) in local wall-clock time; a range may
 * carry a period name, which becomes the time node's exit.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface TimeRange {
  from: string; // HH:MM
  to: string; // HH:MM, 24:00 allowed
  period?: string;
}

export interface Schedule {
  timezone: string;
  weekly: Partial<Record<Weekday, TimeRange[]>>;
  holidays: { date: string; name?: string }[];
  exceptions: { date: string; name?: string; ranges: TimeRange[] }[];
}

export interface LocalTime {
  date: string; // YYYY-MM-DD
  weekday: Weekday;
  minutes: number; // since local midnight
}

const formatters = new Map<string, Intl.DateTimeFormat>();

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date, weekday and minute of `at` in `timezone`. */
export function localTime(at: Date, timezone: string): LocalTime {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(at)) parts[p.type] = p.value;
  const weekday = (parts.weekday ?? 'Sun').slice(0, 3).toLowerCase() as Weekday;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

export function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export type ScheduleVerdict = { state: 'open'; period?: string; reason: 'weekly' | 'exception' } | { state: 'closed'; reason: 'weekly' | 'holiday' | 'exception'; name?: string };

/** Open (possibly in a named period) or closed, and why. */
export function evaluateSchedule(s: Schedule, at: Date): ScheduleVerdict & { local: LocalTime } {
  const local = localTime(at, s.timezone);
  const holiday = s.holidays.find((h) => h.date === local.date);
  if (holiday) return { state: 'closed', reason: 'holiday', ...(holiday.name ? { name: holiday.name } : {}), local };
  const exception = s.exceptions.find((e) => e.date === local.date);
  const ranges = exception ? exception.ranges : (s.weekly[local.weekday] ?? []);
  const reason = exception ? 'exception' : 'weekly';
  const hit = ranges.find((r) => local.minutes >= toMinutes(r.from) && local.minutes < toMinutes(r.to));
  if (!hit) return { state: 'closed', reason, ...(exception?.name ? { name: exception.name } : {}), local };
  return { state: 'open', reason, ...(hit.period ? { period: hit.period } : {}), local };
}
