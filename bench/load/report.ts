/** The JSON line of one system at one step, and the raw details beside it in the run folder. */
import fs from 'node:fs';
import path from 'node:path';
import type { LoadOptions } from './options';
import type { PhoneMetrics } from './metrics';
import type { RecordCheck } from './records';

export interface StepLine extends Omit<PhoneMetrics, 'open_sip_calls'> {
  system: 'hotline' | 'callcenter' | 'hotline-sim';
  cps: number;
  seconds: number;
  agents: number;
  ring_ms: number;
  talk_s: number;
  patience_s: number;
  recording: 'on' | 'off';
  stuck_agents: number;
  stuck_contacts: number;
  channels_left: number;
  /** SIP dialogs the phones never saw end (callers or agent calls). */
  open_sip_calls: number;
  /** Hotline only (null for mod_callcenter): rows still open, sessions still in memory, rows that disagree with SIP. */
  open_records: number | null;
  open_sessions: number | null;
  record_mismatches: number | null;
  /** Of those, rows wrong in more than timestamps (see records.ts). */
  record_state_mismatches: number | null;
  cpu_pct: Record<string, number | null>;
  /** Whole machine, all cores, everyone's processes: 100 = every core busy. */
  machine_busy_pct: number | null;
  loadavg_1m: { start: number; end: number };
  /** Hotline's log lines at warn and error (or worse) during the step. */
  hotline_log: { warn: number; error: number } | null;
  /** Unhandled promise rejections during the step: each would crash a production Hotline. */
  unhandled_rejections?: number;
  leak_wait_s: number;
  dir: string;
}

export function baseLine(o: LoadOptions, system: StepLine['system'], cps: number, dir: string): Pick<StepLine, 'system' | 'cps' | 'seconds' | 'agents' | 'ring_ms' | 'talk_s' | 'patience_s' | 'recording' | 'leak_wait_s' | 'dir'> {
  return { system, cps, seconds: o.seconds, agents: o.agents, ring_ms: o.ringMs, talk_s: o.talkS, patience_s: o.patienceS, recording: o.recording, leak_wait_s: o.leakWaitS, dir };
}

/**
 * Unhandled promise rejections while a step runs. Hotline runs in this process and Node
 * would exit on the first one, as a production Hotline would (it installs no handler):
 * the bench records them (each would be a crash) and goes on. Returns a reader of the
 * rejections since the call.
 */
const rejections: { at: string; err: string }[] = [];
let watching = false;
export function watchRejections(): () => { at: string; err: string }[] {
  if (!watching) {
    watching = true;
    process.on('unhandledRejection', (err: unknown) => {
      rejections.push({ at: new Date().toISOString(), err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    });
  }
  const from = rejections.length;
  return () => rejections.slice(from);
}

/**
 * The leak counters the targets (and the simulator test) require to be 0. Records count
 * here when their state is wrong; timestamp disagreements depend on load and are reported
 * in record_mismatches only, so a test on these counters never asserts on time.
 */
export function leakCounters(l: StepLine): Record<string, number> {
  return {
    stuck_agents: l.stuck_agents,
    stuck_contacts: l.stuck_contacts,
    channels_left: l.channels_left,
    double_bridges: l.double_bridges,
    overlapping_agents: l.overlapping_agents,
    record_state_mismatches: l.record_state_mismatches ?? 0,
    open_records: l.open_records ?? 0,
    open_sessions: l.open_sessions ?? 0,
    open_sip_calls: l.open_sip_calls,
    unhandled_rejections: l.unhandled_rejections ?? 0,
  };
}

export function countLogLevels(file: string): { warn: number; error: number } {
  if (!fs.existsSync(file)) return { warn: 0, error: 0 };
  let warn = 0;
  let error = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /"level":(\d+)/.exec(line);
    if (!m) continue;
    const lv = Number(m[1]);
    if (lv >= 50) error++;
    else if (lv >= 40) warn++;
  }
  return { warn, error };
}

export function writeDetails(dir: string, details: { records?: RecordCheck; [k: string]: unknown }): void {
  fs.writeFileSync(path.join(dir, 'details.json'), JSON.stringify(details, null, 2));
}
