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

export class CpuWindow {
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
  finish(): { cpu_pct: Record<string, number | null>; loadavg_1m: { start: number; end: number } } {
    clearInterval(this.#timer);
    this.#sample();
    const cpu: Record<string, number | null> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const a = pid ? this.#start.get(pid) : undefined;
      const b = pid ? this.#last.get(pid) : undefined;
      const secs = b ? (b.at - this.#t0) / 1000 : 0;
      cpu[name] = a === undefined || b === undefined || secs <= 0 ? null : Math.round(((b.ticks - a) / TICKS / secs) * 1000) / 10;
    }
    return { cpu_pct: cpu, loadavg_1m: { start: this.#load0, end: os.loadavg()[0]! } };
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
