/**
 * ESL benchmark (npm run bench:esl): loopback only, bounded in count and time.
 *   1. commands/s: `api status` round trips to the simulator, 1 and 32 in flight.
 *   2. events/s:   real fixture events replayed over a socket into a live connection + normalisation.
 *   3. calls:      simulated callers dial a service number; each outbound session runs
 *                  answer + a playback loop; we ramp concurrency and record execute latency.
 * The last line printed is one JSON object (commands_per_s, events_per_s, concurrent_calls, p50_ms, p99_ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startFreeswitchSim, type SimCall } from '../../tools/freeswitch-sim';
import { silentLogger } from '../../server/logging/logger';
import { EslInboundConnection } from '../../server/telephony/inbound-connection';
import { EslOutboundServer } from '../../server/telephony/outbound-server';
import type { OutboundSession } from '../../server/telephony/outbound-session';
import { benchEvents } from './events';

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 20_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const CALL_STEPS = (process.env.BENCH_CALLS ?? '100,250,500,1000,2000').split(',').map(Number);
const LOOPS = Number(process.env.BENCH_PLAYBACK_LOOPS ?? 3);
/** New calls per second while a step ramps up (real switches see arrivals spread over time, not one instant). */
const PLACE_RATE = Number(process.env.BENCH_CALL_RATE ?? 100);
/** Real-time length of each playback in the loop: a short prompt, as an IVR plays. */
const PLAYBACK_MS = Number(process.env.BENCH_PLAYBACK_MS ?? 1000);
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? 240_000);
const started = performance.now();
const timeLeft = (): number => DEADLINE_MS - (performance.now() - started);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

async function benchCommands(port: number): Promise<{ serial_per_s: number; concurrent_per_s: number }> {
  const conn = new EslInboundConnection({ node: { host: '127.0.0.1', port, password: 'ClueCon' }, logger: silentLogger });
  conn.start();
  await conn.waitReady(5_000);
  const serialN = Math.min(2_000, COMMANDS);
  let t = performance.now();
  for (let i = 0; i < serialN; i++) await conn.api('status');
  const serial = serialN / ((performance.now() - t) / 1000);
  let sent = 0;
  t = performance.now();
  const worker = async (): Promise<void> => {
    while (sent < COMMANDS && timeLeft() > 0) {
      sent += 1;
      await conn.api('status');
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  const concurrent = sent / ((performance.now() - t) / 1000);
  await conn.close();
  return { serial_per_s: Math.round(serial), concurrent_per_s: Math.round(concurrent) };
}

interface CallsStep {
  calls: number;
  completed: number;
  failed: number;
  peak_concurrent: number;
  seconds: number;
}

const STEP_HOLD_MS = Number(process.env.BENCH_STEP_MS ?? 15_000);
/** A step gets its ramp time plus a hold with every call up at once. */
const stepBudget = (calls: number): number => (calls / PLACE_RATE) * 1000 + STEP_HOLD_MS;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const SPEED = Number(process.env.BENCH_SIM_SPEED ?? 5);

/**
 * Ramps simulated callers (PLACE_RATE new calls/s) through outbound sessions, all held up at
 * once: each session answers, then loops (a PLAYBACK_MS playback, + api uuid_getvar) until every
 * caller of the step is connected, then LOOPS more times, then hangs up. A step passes when all
 * its calls complete within its step budget (ramp + hold). Command latency = answer execute + api round trips
 * (playback is media time, reported apart). The simulator runs in this process (it has no
 * control API across processes yet), so its CPU counts against ours; and it scales its 25 s
 * wait for our `connect` by its speed, so the speed stays low (5 → 5 s) under load.
 */
async function benchCalls(): Promise<{ steps: CallsStep[]; concurrent_calls: number; p50_ms: number; p99_ms: number; playback_p50_ms: number }> {
  const recordingsDir = mkdtempSync(path.join(tmpdir(), 'hotline-bench-'));
  const server = new EslOutboundServer({ port: 0, logger: silentLogger });
  const port = await server.listen();
  const sim = await startFreeswitchSim({ eslPort: 0, globals: { hotline_socket: `127.0.0.1:${port}` }, speed: SPEED, recordingsDir, logger: silentLogger, heartbeatMs: 0 });
  const latencies: number[] = [];
  const playback: number[] = [];
  let active = 0;
  let peak = 0;
  let completed = 0;
  let failed = 0;
  let target = 0;
  let stepDeadline = 0;
  const timed = async <T>(into: number[], fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    into.push(performance.now() - t);
    return r;
  };
  const loop = async (session: OutboundSession): Promise<void> => {
    await timed(playback, () => session.execute('playback', `silence_stream://${PLAYBACK_MS * SPEED}`));
    await timed(latencies, () => session.api(`uuid_getvar ${session.uuid} hotline_call_id`));
  };
  const run = async (session: OutboundSession): Promise<void> => {
    active += 1;
    peak = Math.max(peak, active);
    try {
      await timed(latencies, () => session.execute('answer'));
      while (peak < target && performance.now() < stepDeadline) await loop(session);
      for (let i = 0; i < LOOPS; i++) await loop(session);
      await session.hangup();
      completed += 1;
    } catch {
      failed += 1;
    } finally {
      active -= 1;
    }
  };
  const runs: Promise<void>[] = [];
  server.on('session', (session) => runs.push(run(session)));

  const steps: CallsStep[] = [];
  let best = 0;
  for (const n of CALL_STEPS) {
    if (timeLeft() < stepBudget(n)) break;
    completed = failed = peak = 0;
    target = n;
    runs.length = 0;
    const t = performance.now();
    stepDeadline = t + stepBudget(n);
    const placing: Promise<SimCall>[] = [];
    for (let i = 0; i < n; i++) {
      placing.push(sim.placeCall({ from: `1555${String(i).padStart(7, '0')}`, to: '4001' }));
      const wait = t + ((i + 1) * 1000) / PLACE_RATE - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const callers = await Promise.all(placing);
    await Promise.all(callers.map((c) => c.waitForEnd(Math.max(1_000, stepDeadline - performance.now() + 2_000)).catch(() => 'timeout')));
    await Promise.race([Promise.all(runs), new Promise((r) => setTimeout(r, 2_000))]);
    const step = { calls: n, completed, failed, peak_concurrent: peak, seconds: round((performance.now() - t) / 1000) };
    steps.push(step);
    console.log(`calls: ${JSON.stringify(step)}`);
    if (failed > 0 || completed < n) break;
    best = Math.max(best, peak);
  }
  await server.close();
  await sim.stop();
  rmSync(recordingsDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  playback.sort((a, b) => a - b);
  return { steps, concurrent_calls: best, p50_ms: round(percentile(latencies, 50)), p99_ms: round(percentile(latencies, 99)), playback_p50_ms: round(percentile(playback, 50)) };
}

async function main(): Promise<void> {
  const recordingsDir = mkdtempSync(path.join(tmpdir(), 'hotline-bench-'));
  const sim = await startFreeswitchSim({ eslPort: 0, recordingsDir, logger: silentLogger, heartbeatMs: 0 });
  const commands = await benchCommands(sim.eslPort);
  console.log(`commands: ${JSON.stringify(commands)}`);
  await sim.stop();
  rmSync(recordingsDir, { recursive: true, force: true });

  const events = await benchEvents(EVENTS);
  console.log(`events: ${JSON.stringify(events)}`);

  const calls = await benchCalls();
  console.log(
    JSON.stringify({
      commands_per_s: commands.concurrent_per_s,
      commands_per_s_serial: commands.serial_per_s,
      events_per_s: events.events_per_s,
      event_mb_per_s: events.mb_per_s,
      concurrent_calls: calls.concurrent_calls,
      p50_ms: calls.p50_ms,
      p99_ms: calls.p99_ms,
      playback_p50_ms: calls.playback_p50_ms,
      call_steps: calls.steps,
    }),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
