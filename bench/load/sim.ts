/**
 * Simulator mode: the same load shape without FreeSWITCH or SIP. Hotline runs on the
 * project's simulator (tools/freeswitch-sim) at a speed factor; callers are placeCall()s
 * at `cps` (simulated seconds), agent phones are gateway endpoints that answer after
 * `ringMs`, and the bench hangs an agent leg up `talkS` after it answered, as the SIPp
 * phone does. Callers give up after `patienceS`. Every timestamp is taken from the
 * simulator's ESL events and converted to simulated time, so the figures read like a
 * real run's; the leak counters are the point (CI: test/load/sim-load.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { TELEPHONY_SIMULATOR } from '../../server/telephony/module';
import { header, type RawEslEvent } from '../../server/telephony/wire';
import type { FreeswitchSim, SimCall } from '../../tools/freeswitch-sim';
import { CpuWindow } from './cpu';
import { callRows, hotlineLeaks, startBenchHotline } from './hotline';
import { phoneMetrics } from './metrics';
import type { LoadOptions } from './options';
import { compareRecords } from './records';
import { baseLine, countLogLevels, watchRejections, writeDetails, type StepLine } from './report';
import { Switch } from './switch';
import type { AgentCall, CallerCall, Timeline } from './timeline';

/** The timeline in simulated time: every instant stretched by the speed factor from t0. */
export function scaled(t: Timeline, t0: number, speed: number): Timeline {
  const s = (v: number | undefined): number | undefined => (v === undefined ? undefined : t0 + (v - t0) * speed);
  return {
    callers: t.callers.map((c) => ({ ...c, invite: s(c.invite)!, answered: s(c.answered), ended: s(c.ended) })),
    agentCalls: t.agentCalls.map((a) => ({ ...a, invite: s(a.invite)!, answered: s(a.answered), ended: s(a.ended) })),
  };
}

export async function simStep(o: LoadOptions, cps: number, runDir: string): Promise<StepLine> {
  const dir = path.join(runDir, `hotline-sim-${cps}cps`);
  fs.mkdirSync(dir, { recursive: true });
  const numbers = Array.from({ length: o.agents }, (_, i) => String(o.agentBase + 1 + i));
  const rejections = watchRejections();
  // The simulator reads its speed when telephony starts.
  process.env.SIM_SPEED = String(o.speed);
  const h = await startBenchHotline({ dir, logLevel: o.logLevel, outboundPort: 0, number: o.hotlineNumber, agentNumbers: numbers, patienceS: o.patienceS });
  const sim = h.hotline.services.get(TELEPHONY_SIMULATOR) as FreeswitchSim;
  const events = await Switch.connect(`127.0.0.1:${sim.eslPort}:ClueCon`, ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP']);
  const t0real = performance.now();
  const t0 = Date.now();
  // Timestamps are real (Hotline's records are compared with them); the phone metrics
  // read them scaled to simulated time.
  const now = (): number => Date.now();
  const real = (simMs: number): number => simMs / o.speed;
  try {
    for (const n of numbers) sim.setEndpointBehaviour(n, { mode: 'answer', afterMs: o.ringMs });
    const callers = new Map<string, CallerCall>();
    const callerByUuid = new Map<string, CallerCall>();
    const agentLegs = new Map<string, AgentCall>();
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, f: () => void): void => {
      const t = setTimeout(() => {
        timers.delete(t);
        f();
      }, ms);
      timers.add(t);
    };
    events.connection.on('event', (ev: RawEslEvent) => {
      const uuid = header(ev, 'Unique-ID');
      if (!uuid) return;
      const caller = callerByUuid.get(uuid);
      if (caller) {
        if (ev.name === 'CHANNEL_ANSWER') caller.answered ??= now();
        return;
      }
      if (ev.name === 'CHANNEL_CREATE' && header(ev, 'variable_hotline_leg') === 'agent') {
        const agent = /([^/@]+)(@[^/]*)?$/.exec(header(ev, 'Channel-Name') ?? '')?.[1] ?? '?';
        agentLegs.set(uuid, { agent, caller: header(ev, 'variable_hotline_caller'), invite: now() });
        return;
      }
      const leg = agentLegs.get(uuid);
      if (!leg) return;
      if (ev.name === 'CHANNEL_ANSWER') {
        leg.answered ??= now();
        // The agent's phone hangs up after talking, like the SIPp agent scenario.
        later(real(o.talkS * 1000), () => void sim.call(uuid)?.hangup().catch(() => undefined));
      } else if (ev.name === 'CHANNEL_HANGUP') {
        leg.ended ??= now();
        if (leg.answered === undefined) leg.cancelled = true;
      }
    });

    const cpu = new CpuWindow({ hotline_and_sim: process.pid });
    const total = Math.round(cps * o.seconds);
    const ends: Promise<void>[] = [];
    const place = async (i: number): Promise<void> => {
      const number = `139${i + 1}`;
      const c: CallerCall = { number, invite: now() };
      callers.set(number, c);
      let call: SimCall;
      try {
        call = await sim.placeCall({ from: number, to: o.hotlineNumber });
      } catch {
        c.refused = 500;
        c.ended = now();
        return;
      }
      callerByUuid.set(call.uuid, c);
      let gaveUp = false;
      later(real(o.patienceS * 1000), () => {
        if (call.ended) return;
        gaveUp = true;
        void call.hangup().catch(() => undefined);
      });
      await call.waitForEnd(real((o.patienceS + o.talkS) * 1000) + 60_000).catch(() => undefined);
      c.ended = now();
      c.endedBy = gaveUp ? 'caller' : 'far';
    };
    const gapReal = real(1000 / cps);
    for (let i = 0; i < total; i++) {
      const due = t0real + i * gapReal;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      ends.push(place(i));
    }
    await Promise.all(ends);
    const usage = cpu.finish();
    // Hotline's timers run in real time: wait real seconds, at least long enough for its sweeps.
    await sleep(Math.max(2000, real(o.leakWaitS * 1000)));
    for (const t of timers) clearTimeout(t);
    await h.calls.idle();
    const leaks = await hotlineLeaks(h);
    const timeline = { callers: [...callers.values()], agentCalls: [...agentLegs.values()] };
    const phones = phoneMetrics(scaled(timeline, t0, o.speed));
    const records = compareRecords(timeline, await callRows(h));
    const channels = sim.channelUuids();
    writeDetails(dir, { leaks, channels: { count: channels.length, sample: channels.slice(0, 10) }, records, unhandled_rejections: rejections() });
    await h.flushLog();
    return {
      ...baseLine(o, 'hotline-sim', cps, dir),
      ...phones,
      stuck_agents: leaks.stuck_agents,
      stuck_contacts: leaks.stuck_contacts,
      channels_left: channels.length,
      open_records: leaks.open_records,
      open_sessions: leaks.open_sessions,
      record_mismatches: records.record_mismatches,
      record_state_mismatches: records.record_state_mismatches,
      ...usage,
      hotline_log: countLogLevels(path.join(dir, 'hotline.log')),
      unhandled_rejections: rejections().length,
    };
  } finally {
    await events.close();
    await h.close();
  }
}
