/** CPU of given processes over a window, from /proc/<pid>/stat (utime+stime), in % of one core. */
import fs from 'node:fs';
import os from 'node:os';

const TICKS = 100; // USER_HZ on Linux

function ticks(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined;
  }
}

/** /proc/stat's first line: [busy, total] jiffies of all cores. */
function machine(): [number, number] | undefined {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return [total - idle, total];
  } catch {
    return undefined;
  }
}

export class CpuWindow {
  readonly #machine0 = machine();
  readonly #start = new Map<number, number | undefined>();
  /** Last reading per pid, sampled every second: a process that exits (SIPp) keeps its last figure. */
  readonly #last = new Map<number, { ticks: number; at: number }>();
  readonly #t0 = Date.now();
  readonly #load0 = os.loadavg()[0]!;
  readonly #timer: NodeJS.Timeout;
  constructor(private readonly pids: Record<string, number | undefined>) {
    for (const pid of Object.values(pids)) if (pid) this.#start.set(pid, ticks(pid));
    this.#timer = setInterval(() => this.#sample(), 1000);
    this.#timer.unref();
  }
  #sample(): void {
    for (const pid of this.#start.keys()) {
      const t = ticks(pid);
      if (t !== undefined) this.#last.set(pid, { ticks: t, at: Date.now() });
    }
  }
  /** { name: percent of one core } and the 1-minute load average at start and end. */
  finish(): { cpu_pct: Record<string, number | null>; machine_busy_pct: number | null; loadavg_1m: { start: number; end: number } } {
    clearInterval(this.#timer);
    this.#sample();
    const cpu: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const a = pid ? this.#start.get(pid) : undefined;
      const b = pid ? this.#last.get(pid) : undefined;
      const secs = b ? (b.at - this.#t0) / 1000 : 0;
      cpu[name] = a === undefined || b === undefined || secs <= 0 ? null : Math.round(((b.ticks - a) / TICKS / secs) * 1000) / 10;
    }
    const m1 = machine();
    const m0 = this.#machine0;
    // All cores together, everyone's processes (the box is shared): 100 = every core busy.
    const busy = m0 && m1 && m1[1] > m0[1] ? Math.round(((m1[0] - m0[0]) / (m1[1] - m0[1])) * 1000) / 10 : null;
    return { cpu_pct: cpu, machine_busy_pct: busy, loadavg_1m: { start: this.#load0, end: os.loadavg()[0]! } };
  }
}

export function freeswitchPid(): number | undefined {
  for (const f of ['/usr/local/freeswitch/var/run/freeswitch/freeswitch.pid', '/var/run/freeswitch/freeswitch.pid']) {
    try {
      const pid = Number(fs.readFileSync(f, 'utf8').trim());
      if (pid > 0 && fs.existsSync(`/proc/${pid}`)) return pid;
    } catch {
      // not this layout
    }
  }
  return undefined;
}
