import { silentLogger } from '../logging/logger';
import { InvalidStateError } from '../platform/errors';
import { Call, ChannelCallState } from './call';
import { CallRegistry } from './call-registry';
import { normalizeEvent, type TelephonyEvent } from './events';
import { readFixture, receivedStream } from './testing/fixtures';
import { parseFrames } from './testing/parse-frames';

describe('Call state machine', () => {
  it('walks the happy path and emits each transition', () => {
    const call = new Call('c1', silentLogger);
    const seen: string[] = [];
    call.on('state', (to, from) => seen.push(`${from}>${to}`));
    call.transition(ChannelCallState.Ringing, 'created');
    call.transition(ChannelCallState.Answered, 'answer');
    call.transition(ChannelCallState.Bridged, 'bridge');
    call.transition(ChannelCallState.Held, 'hold');
    expect(call.heldFrom).toBe(ChannelCallState.Bridged);
    call.transition(ChannelCallState.Bridged, 'unhold');
    call.transition(ChannelCallState.Answered, 'unbridge');
    call.transition(ChannelCallState.Ended, 'NORMAL_CLEARING');
    expect(seen).toEqual(['new>ringing', 'ringing>answered', 'answered>bridged', 'bridged>held', 'held>bridged', 'bridged>answered', 'answered>ended']);
    expect(call.endCause).toBe('NORMAL_CLEARING');
    expect(call.answeredAt).toBeInstanceOf(Date);
  });

  it.each([
    [[], ChannelCallState.Bridged],
    [[], ChannelCallState.Held],
    [[ChannelCallState.Ringing], ChannelCallState.Bridged],
    [[ChannelCallState.Ringing], ChannelCallState.New],
    [[ChannelCallState.Answered], ChannelCallState.Ringing],
    [[ChannelCallState.Ended], ChannelCallState.Answered],
    [[ChannelCallState.Ended], ChannelCallState.Ended],
  ] as [ChannelCallState[], ChannelCallState][])('after %j rejects → %s with InvalidStateError', (path, to) => {
    const call = new Call('c2', silentLogger);
    for (const s of path) call.transition(s, 'setup');
    const state = call.state;
    expect(() => call.transition(to, 'illegal')).toThrow(InvalidStateError);
    expect(call.state).toBe(state);
  });

  it('a listener that throws does not break the transition', () => {
    const call = new Call('c3', silentLogger);
    const after = jest.fn();
    call.on('state', () => {
      throw new Error('boom');
    });
    call.on('state', after);
    call.transition(ChannelCallState.Answered, 'answer');
    expect(after).toHaveBeenCalled();
    expect(call.state).toBe(ChannelCallState.Answered);
  });
});

describe('CallRegistry with real event sequences', () => {
  /** Fixture events, with hotline_call_id stamped on the given uuids (as originate would). */
  function stamped(file: string, callIds: Record<string, string>): TelephonyEvent[] {
    return parseFrames(receivedStream(readFixture(file)))
      .filter((f) => f.event)
      .map((f) => {
        const ev = f.event!;
        const uuid = ev.headers['Unique-ID'];
        const id = typeof uuid === 'string' ? callIds[uuid] : undefined;
        return normalizeEvent(id ? { ...ev, headers: { ...ev.headers, variable_hotline_call_id: id } } : ev, 'fs1:8021');
      })
      .filter((e): e is TelephonyEvent => e !== undefined);
  }

  it('fixture c (bridge, hold, unhold, toggle, kill) drives one call to ended', () => {
    const frames = parseFrames(receivedStream(readFixture('c_uuid_hold.txt')));
    const bridge = frames.find((f) => f.event?.name === 'CHANNEL_BRIDGE')!.event!;
    const a = bridge.headers['Bridge-A-Unique-ID'] as string;
    const b = bridge.headers['Bridge-B-Unique-ID'] as string;
    const registry = new CallRegistry({ logger: silentLogger });
    const states: ChannelCallState[] = [];
    registry.on('call', (call) => call.on('state', (to) => states.push(to)));
    const ended = jest.fn();
    registry.on('ended', ended);
    for (const ev of stamped('c_uuid_hold.txt', { [a]: 'call-c', [b]: 'call-c' })) registry.handle(ev);
    expect(states[0]).toBe(ChannelCallState.Ringing);
    expect(states).toContain(ChannelCallState.Bridged);
    expect(states).toContain(ChannelCallState.Held);
    const holdIndex = states.indexOf(ChannelCallState.Held);
    expect(states[holdIndex + 1]).toBe(ChannelCallState.Bridged);
    expect(states[states.length - 1]).toBe(ChannelCallState.Ended);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(registry.size).toBe(0);
  });

  it('attach() maps a uuid without the variable; events for it reach the call', () => {
    const registry = new CallRegistry({ logger: silentLogger, autoCreate: false });
    const frames = parseFrames(receivedStream(readFixture('a_inbound_sipp_ivr_dtmf_record.txt')));
    const uuid = 'c102f65a-cb08-4396-8a67-254206bee9b0';
    const call = registry.attach('call-a', uuid, 'fs1:8021');
    const dtmf: string[] = [];
    registry.on('event', (ev, c) => {
      if (ev.type === 'dtmf' && c === call) dtmf.push(ev.digit);
    });
    for (const f of frames) {
      const ev = f.event && normalizeEvent(f.event, 'fs1:8021');
      if (ev) registry.handle(ev);
    }
    expect(dtmf.join('')).toBe('1234#');
    expect(call.state).toBe(ChannelCallState.Ended);
    expect(call.endCause).toBe('NORMAL_CLEARING');
  });

  it('ignores a second CHANNEL_HOLD and unknown channels', () => {
    const registry = new CallRegistry({ logger: silentLogger, autoCreate: false });
    const base = { node: 'n', at: 0 };
    const call = registry.attach('x', 'u1', 'n');
    registry.handle({ ...base, type: 'channel.answer', uuid: 'u1' });
    registry.handle({ ...base, type: 'channel.hold', uuid: 'u1' });
    registry.handle({ ...base, type: 'channel.hold', uuid: 'u1' });
    expect(call.state).toBe(ChannelCallState.Held);
    registry.handle({ ...base, type: 'channel.unhold', uuid: 'u1' });
    expect(call.state).toBe(ChannelCallState.Answered);
    expect(registry.handle({ ...base, type: 'channel.answer', uuid: 'other' })).toBeUndefined();
  });
});
