import { coreHeaderNames, namesPerChannel, uuidOrder, type SimpleEvent } from './fidelity-helpers';

/**
 * Left out of the per-channel order comparison: timers the simulator does not model
 * (HEARTBEAT, RE_SCHEDULE), API (not per channel), and CODEC, whose count depends on
 * the far end's media (SIPp's broken ptime makes FreeSWITCH re-set the read codec).
 * CODEC header names are still checked.
 */
export const NOT_MODELLED = new Set(['HEARTBEAT', 'RE_SCHEDULE', 'API']);
export const ORDER_IGNORED = new Set([...NOT_MODELLED, 'CODEC']);

/** Per-channel event-name sequences must match, channels paired in order of appearance. */
export function expectSameChannelSequences(fx: SimpleEvent[], got: SimpleEvent[], keep: (n: string) => boolean = (n) => !ORDER_IGNORED.has(n)): void {
  const fxOrder = uuidOrder(fx);
  const simOrder = uuidOrder(got);
  const fxNames = namesPerChannel(fx, keep);
  const simNames = namesPerChannel(got, keep);
  expect(simOrder.length).toBe(fxOrder.length);
  fxOrder.forEach((u, i) => {
    const su = simOrder[i] as string;
    expect({ channel: i, events: simNames.get(su) ?? [] }).toEqual({ channel: i, events: fxNames.get(u) ?? [] });
  });
}

/** Every header FreeSWITCH always sent on an event type is on the simulator's events of that type. */
export function expectCoreHeaders(fx: SimpleEvent[], got: SimpleEvent[]): void {
  const types = [...new Set(fx.map((e) => e.name))].filter((n) => !NOT_MODELLED.has(n));
  for (const t of types) {
    const mine = got.filter((e) => e.name === t);
    if (!mine.length) continue;
    const core = coreHeaderNames(fx, t);
    for (const e of mine) {
      const names = new Set(e.headers.map(([k]) => k));
      expect({ event: t, missing: core.filter((k) => !names.has(k)) }).toEqual({ event: t, missing: [] });
    }
  }
}
