/**
 * Admission control (issue 12, overload): past the configured capacity a new caller is
 * refused at once with SIP 503 (never answered into silence), the calls already in keep
 * going, and service comes back by itself when load drops. On the simulator, over ESL.
 */
import { ivrModule } from '../../server/ivr/module';
import { judgeAdmission } from '../../server/ivr/admission';
import { telephonyModule, TELEPHONY_SIMULATOR } from '../../server/telephony/module';
import type { FreeswitchSim } from '../../tools/freeswitch-sim';
import { createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { waitFor } from './helpers/wait';

describe('judgeAdmission', () => {
  const limits = { maxCalls: 10, maxCallsPerSecond: 5, maxEventLoopLagMs: 200 };
  it('refuses on capacity, rate or event-loop lag; 0 turns a limit off', () => {
    expect(judgeAdmission(limits, { activeCalls: 9, admittedLastSecond: 4, eventLoopLagMs: 50 })).toEqual({ admit: true });
    expect(judgeAdmission(limits, { activeCalls: 10, admittedLastSecond: 0, eventLoopLagMs: 0 })).toEqual({ admit: false, reason: 'capacity' });
    expect(judgeAdmission(limits, { activeCalls: 0, admittedLastSecond: 5, eventLoopLagMs: 0 })).toEqual({ admit: false, reason: 'rate' });
    expect(judgeAdmission(limits, { activeCalls: 0, admittedLastSecond: 0, eventLoopLagMs: 201 })).toEqual({ admit: false, reason: 'overload' });
    expect(judgeAdmission({ maxCalls: 0, maxCallsPerSecond: 0, maxEventLoopLagMs: 0 }, { activeCalls: 1e6, admittedLastSecond: 1e6, eventLoopLagMs: 1e6 })).toEqual({ admit: true });
  });
});

describe('admission control on the simulator', () => {
  let world: TestWorld;
  let sim: FreeswitchSim;

  beforeAll(async () => {
    world = await createTestWorld({ modules: [telephonyModule(), ivrModule()], env: { ADMISSION_MAX_CALLS: '1' } });
    sim = world.hotline.services.get(TELEPHONY_SIMULATOR) as FreeswitchSim;
  }, 60_000);

  afterAll(async () => {
    await world?.cleanup();
  });

  it('a caller past capacity gets 503 at once; the call in progress goes on; service recovers', async () => {
    const first = await sim.placeCall({ from: '13900000001', to: '4001' });
    await waitFor(() => (first.answered ? true : undefined), 'the first call is in the flow');
    const second = await sim.placeCall({ from: '13900000002', to: '4001' });
    expect(await second.waitForEnd(10_000)).toBe('NORMAL_TEMPORARY_FAILURE');
    expect(second.answered).toBe(false);
    expect(first.ended).toBe(false);
    const refused = await waitFor(async () => (await world.hotline.db.query<{ disposition: string }>('SELECT disposition FROM calls WHERE channel_uuid = $1 AND ended_at IS NOT NULL', [second.uuid])).rows[0], 'the refused call is on record');
    expect(refused.disposition).toBe('refused');
    await first.hangup();
    await first.waitForEnd(10_000);
    await new Promise((r) => setTimeout(r, 200));
    const third = await sim.placeCall({ from: '13900000003', to: '4001' });
    await waitFor(() => (third.answered ? true : undefined), 'the next call is admitted');
    await third.hangup();
  });
});
