/**
 * bench/load's simulator mode, small: callers queue for external-phone agents on the
 * FreeSWITCH simulator (more callers than agents can serve, some give up), then
 * nothing may be left behind. Asserts the leak counters only, never timings.
 * Needs the test Postgres and Redis (as the other integration tests).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLoadOptions } from '../../bench/load/options';
import { leakCounters } from '../../bench/load/report';
import { simStep } from '../../bench/load/sim';

describe('bench/load simulator mode', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-load-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('queue load with turnover and abandonment leaves no stuck agent, contact, channel or record', async () => {
    // 8 agents, 3 calls/s for 20 simulated seconds at 10x: 60 callers in ~2 s of real time;
    // each agent call lasts 0.3 + 5 s, so callers queue and some give up after 8 s.
    const o = parseLoadOptions({}, [], { mode: 'sim', agents: 8, cps: '3', seconds: 20, ringMs: 300, talkS: 5, patienceS: 8, speed: 10, leakWaitS: 20, outDir: dir, logLevel: 'warn' });
    const line = await simStep(o, 3, dir);
    expect(line.placed).toBe(60);
    expect(line.bridged + line.abandoned + line.failed).toBe(60);
    expect(leakCounters(line)).toEqual({
      stuck_agents: 0,
      stuck_contacts: 0,
      channels_left: 0,
      double_bridges: 0,
      overlapping_agents: 0,
      record_state_mismatches: 0,
      open_records: 0,
      open_sessions: 0,
      open_sip_calls: 0,
      unhandled_rejections: 0,
    });
  }, 90_000);
});
