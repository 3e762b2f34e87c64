import { INITIAL_PRESENCE, transition, type Presence } from './presence';

const at = (state: Presence['state'], reason: string | null = null, wrapUntil: number | null = null): Presence => ({ state, reason, since: 1, wrapUntil });

describe('presence transition()', () => {
  test('people set ready, not_ready with a reason, or offline from any state', () => {
    expect(transition(INITIAL_PRESENCE, { kind: 'set', state: 'ready' }, 100)).toEqual({ state: 'ready', reason: null, since: 100, wrapUntil: null });
    expect(transition(at('ready'), { kind: 'set', state: 'not_ready', reason: 'break' }, 200)).toEqual({ state: 'not_ready', reason: 'break', since: 200, wrapUntil: null });
    expect(transition(at('wrap_up', null, 50), { kind: 'set', state: 'ready' }, 20)).toMatchObject({ state: 'ready', wrapUntil: null });
    expect(transition(at('not_ready', 'break'), { kind: 'set', state: 'offline' }, 300).state).toBe('offline');
  });

  test('repeating a command changes nothing (same object, same since)', () => {
    const p = at('not_ready', 'break');
    expect(transition(p, { kind: 'set', state: 'not_ready', reason: 'break' }, 999)).toBe(p);
    const r = at('ready');
    expect(transition(r, { kind: 'set', state: 'ready' }, 999)).toBe(r);
  });

  test('guards: not_ready needs a known reason; "missed" is the system\'s', () => {
    const reasons = new Set(['busy', 'break']);
    expect(() => transition(at('ready'), { kind: 'set', state: 'not_ready', reason: '' }, 1)).toThrow('needs a reason');
    expect(() => transition(at('ready'), { kind: 'set', state: 'not_ready', reason: 'lunch' }, 1, { reasons })).toThrow('unknown or disabled');
    expect(() => transition(at('ready'), { kind: 'set', state: 'not_ready', reason: 'missed' }, 1, { reasons: new Set(['missed']) })).toThrow('system only');
  });

  test('a voice contact ending starts wrap-up only for a ready agent', () => {
    expect(transition(at('ready'), { kind: 'voice_contact_ended', wrapUpSeconds: 15 }, 1000)).toEqual({ state: 'wrap_up', reason: null, since: 1000, wrapUntil: 16_000 });
    const paused = at('not_ready', 'break');
    expect(transition(paused, { kind: 'voice_contact_ended', wrapUpSeconds: 15 }, 1000)).toBe(paused);
    const ready = at('ready');
    expect(transition(ready, { kind: 'voice_contact_ended', wrapUpSeconds: 0 }, 1000)).toBe(ready);
  });

  test('wrap-up elapses to ready; anything else ignores the timer', () => {
    expect(transition(at('wrap_up', null, 10), { kind: 'wrap_up_elapsed' }, 10)).toMatchObject({ state: 'ready', since: 10 });
    const off = at('offline');
    expect(transition(off, { kind: 'wrap_up_elapsed' }, 10)).toBe(off);
  });

  test('missed offers pause a ready agent at the threshold (0 = never)', () => {
    expect(transition(at('ready'), { kind: 'missed_offers', misses: 3, threshold: 3 }, 5)).toEqual({ state: 'not_ready', reason: 'missed', since: 5, wrapUntil: null });
    const r = at('ready');
    expect(transition(r, { kind: 'missed_offers', misses: 2, threshold: 3 }, 5)).toBe(r);
    expect(transition(r, { kind: 'missed_offers', misses: 9, threshold: 0 }, 5)).toBe(r);
  });
});
