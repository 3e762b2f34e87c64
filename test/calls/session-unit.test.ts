/**
 * CallSession against in-memory fakes: the caller's outbound socket and FreeSWITCH's
 * api connection are scripted, so the order of ESL traffic is exact. Covers the race
 * behind the "queue → agent" flake: an offer that arrives after the hold music was sent
 * but before FreeSWITCH started it (its uuid_break would be a no-op and the caller would
 * hear music forever instead of being bridged).
 */
import { EventEmitter } from 'node:events';
import { silentLogger } from '../../server/logging/logger';
import { CallSession, CallState, type AcdPort, type SessionDeps } from '../../server/calls/session';
import type { CallRecords } from '../../server/calls/records';
import type { CallEventBus } from '../../server/calls/events';
import type { OutboundSession } from '../../server/telephony';
import type { RawEslEvent } from '../../server/telephony/wire';
import { waitFor } from '../ivr/helpers/wait';

function ev(name: string, headers: Record<string, string>): RawEslEvent {
  return { name, headers: { 'Event-Name': name, ...headers }, body: '' };
}

/** A caller channel that runs one application at a time, like FreeSWITCH: queued, then started, then completed. */
class FakeCaller extends EventEmitter {
  readonly uuid = 'caller-uuid';
  readonly channel = { uuid: this.uuid, callerIdNumber: '13800000001', destinationNumber: '4000' };
  hangupCause: string | undefined;
  strayBreaks = 0;
  queued: { app: string; arg?: string; resolve: (r: unknown) => void }[] = [];
  running: { app: string; arg?: string; resolve: (r: unknown) => void } | undefined;
  /** api on the caller's own socket (the bridge's caller variables): answered at once. */
  readonly apis: string[] = [];
  api(cmd: string): Promise<unknown> {
    this.apis.push(cmd);
    return Promise.resolve({ body: '+OK' });
  }
  execute(app: string, arg?: string): Promise<unknown> {
    return new Promise((resolve) => this.queued.push({ app, arg, resolve }));
  }
  /** FreeSWITCH picks up the next queued application (CHANNEL_EXECUTE). */
  startNext(): void {
    const next = this.queued.shift();
    if (!next) throw new Error('nothing queued');
    this.running = next;
    const done = next.resolve;
    next.resolve = (r) => {
      if (this.running === next) this.running = undefined;
      done(r);
    };
    this.emit('event', ev('CHANNEL_EXECUTE', { Application: next.app, ...(next.arg ? { 'Application-Data': next.arg } : {}) }));
  }
  /** uuid_break: a running playback is interrupted; between applications the break ends the socket's park, as the simulator does: the call drops. */
  breakApp(): void {
    const r = this.running;
    if (!r) {
      this.strayBreaks++;
      return;
    }
    if (r.app === 'bridge') return;
    this.running = undefined;
    r.resolve({ application: r.app, response: 'FILE PLAYED', event: ev('CHANNEL_EXECUTE_COMPLETE', {}) });
  }
}

/** The agent leg bridges, the call is talking, then the caller hangs up and the session ends. */
async function bridgeThenHangUp(caller: FakeCaller, session: CallSession, ac: AbortController, run: Promise<unknown>): Promise<void> {
  caller.emit('event', ev('CHANNEL_BRIDGE', {}));
  await waitFor(() => (session.state === CallState.Talking ? true : undefined), 'talking');
  ac.abort();
  caller.hangupCause = 'NORMAL_CLEARING';
  caller.running?.resolve({ application: 'bridge', response: '', event: ev('CHANNEL_EXECUTE_COMPLETE', {}) });
  await run;
  await session.close();
}

function harness(opts: { onEnqueue?: (s: CallSession) => Promise<void>; accept?: () => Promise<unknown> } = {}) {
  const caller = new FakeCaller();
  const apis: string[] = [];
  const esl = {
    api: (cmd: string) => {
      apis.push(cmd);
      if (cmd.startsWith('uuid_break')) caller.breakApp();
      const stop = /^uuid_record \S+ stop (.+)$/.exec(cmd);
      if (stop) caller.emit('event', ev('RECORD_STOP', { 'Record-File-Path': stop[1]! }));
      return Promise.resolve({ body: '+OK' } as never);
    },
    bgapi: () => Promise.resolve({ body: '+OK' } as never),
  };
  const acd: AcdPort = {
    instanceId: 'test',
    enqueue: async () => {
      await opts.onEnqueue?.(session);
      return { status: 'queued' };
    },
    accept: () => (opts.accept ? opts.accept() : Promise.resolve({})),
    reject: () => Promise.resolve(undefined),
    complete: (contactId) => {
      acdCalls.push(`complete ${contactId}`);
      return Promise.resolve(undefined);
    },
    abandon: (contactId) => {
      acdCalls.push(`abandon ${contactId}`);
      return Promise.resolve({});
    },
    position: () => Promise.resolve({ position: null, estimatedWaitSeconds: null }),
  };
  const acdCalls: string[] = [];
  const written: string[] = [];
  const records = new Proxy({}, { get: (_t, name) => (...args: unknown[]) => (written.push(`${String(name)} ${args.slice(1, 2).map(String).join('')}`.trim()), Promise.resolve()) }) as unknown as CallRecords;
  const bus = { emit: () => undefined } as unknown as CallEventBus;
  const deps: SessionDeps = {
    esl,
    acd,
    records,
    bus,
    agentDial: () => Promise.resolve('user/alice'),
    gatewayDial: 'sofia/gateway/gw/{number}',
    holdMusic: 'local_stream://moh',
    announceIntervalSec: 0,
    speak: () => Promise.resolve('/tmp/x.wav'),
    recordingsDir: '/tmp/hotline-test-recordings',
    registerRecording: () => Promise.resolve({ id: 'r' }),
    isBlocked: () => Promise.resolve(false),
    log: silentLogger,
  };
  const session: CallSession = new CallSession('call-1', caller as unknown as OutboundSession, { callId: 'call-1', skillGroup: 'g', groupId: 'g', priority: 0, timeoutSec: 600, attributes: {} }, deps);
  return { caller, session, apis, acdCalls, written };
}

describe('CallSession (fakes)', () => {
  test('the caller hangs up while the ACD accepts the answered offer: the contact completes, the record says answered', async () => {
    let accepted: (() => void) | undefined;
    const { caller, session, acdCalls, written } = harness({ accept: () => new Promise((r) => (accepted = () => r({}))) });
    const ac = new AbortController();
    const run = session.run(ac.signal).catch((e: unknown) => e);
    await waitFor(() => (caller.queued[0]?.app === 'playback' ? true : undefined), 'the hold music is queued');
    caller.startNext();
    await session.offer({ offerId: 'o1', contactId: 'call-1', agentId: 'a1', deadline: Date.now() + 20_000 });
    await waitFor(() => (caller.queued[0]?.app === 'bridge' ? true : undefined), 'the bridge');
    caller.startNext();
    caller.emit('event', ev('CHANNEL_BRIDGE', {}));
    await waitFor(() => (accepted ? true : undefined), 'the accept is in flight');
    // The caller leaves before the ACD answered the accept.
    ac.abort();
    caller.hangupCause = 'NORMAL_CLEARING';
    caller.running?.resolve({ application: 'bridge', response: '', event: ev('CHANNEL_EXECUTE_COMPLETE', {}) });
    await run;
    expect(acdCalls).toEqual([]); // no abandon of a contact the agent answered
    accepted!();
    await waitFor(() => (acdCalls.includes('complete call-1') ? true : undefined), 'the contact completes once accepted');
    await session.journalDrained();
    expect(written).toContain('answered a1');
    expect(written.filter((w) => w.startsWith('hint'))).toEqual([]);
  });

  test('the ACD took the offer back as the agent answered: the caller is offered again and the record keeps both conversations', async () => {
    let refuse = true;
    const { caller, session, written } = harness({ accept: () => (refuse ? ((refuse = false), Promise.reject(new Error('Offer not found'))) : Promise.resolve({})) });
    const ac = new AbortController();
    const run = session.run(ac.signal).catch((e: unknown) => e);
    await waitFor(() => (caller.queued[0]?.app === 'playback' ? true : undefined), 'the hold music is queued');
    caller.startNext();
    await session.offer({ offerId: 'o1', contactId: 'call-1', agentId: 'a1', deadline: Date.now() + 20_000 });
    await waitFor(() => (caller.queued[0]?.app === 'bridge' ? true : undefined), 'the first bridge');
    caller.startNext();
    caller.emit('event', ev('CHANNEL_BRIDGE', {}));
    await waitFor(() => (session.state === CallState.Queued ? true : undefined), 'back in the queue');
    caller.running?.resolve({ application: 'bridge', response: '', event: ev('CHANNEL_EXECUTE_COMPLETE', {}) });
    await waitFor(() => (caller.queued[0]?.app === 'playback' ? true : undefined), 'music again');
    caller.startNext();
    await session.offer({ offerId: 'o2', contactId: 'call-1', agentId: 'a2', deadline: Date.now() + 20_000 });
    await waitFor(() => (caller.queued[0]?.app === 'bridge' ? true : undefined), 'the second bridge');
    caller.startNext();
    await bridgeThenHangUp(caller, session, ac, run);
    await session.journalDrained();
    expect(written.filter((w) => w.startsWith('answered'))).toEqual(['answered a1', 'answered a2']);
  });

  test('a session closed while the caller waits (shutdown, an error) abandons its contact: nothing is left to offer', async () => {
    const { caller, session, acdCalls } = harness();
    const ac = new AbortController();
    void session.run(ac.signal).catch((e: unknown) => e);
    await waitFor(() => (caller.queued[0]?.app === 'playback' ? true : undefined), 'the hold music is queued');
    await session.close();
    expect(acdCalls).toEqual(['abandon call-1']);
    ac.abort();
  });

  test('an offer that arrives before the hold music started still interrupts it', async () => {
    const { caller, session, apis } = harness();
    const ac = new AbortController();
    const run = session.run(ac.signal).catch((e: unknown) => e);
    await waitFor(() => (caller.queued[0]?.app === 'playback' ? true : undefined), 'the hold music is queued');
    // The offer comes while FreeSWITCH still has the playback queued behind the sendmsg.
    await session.offer({ offerId: 'o1', contactId: 'call-1', agentId: 'a1', deadline: Date.now() + 20_000 });
    expect(session.state).toBe(CallState.Ringing);
    caller.startNext(); // the music starts only now
    await waitFor(() => (caller.queued[0]?.app === 'bridge' ? true : undefined), 'the loop moves on to the bridge');
    expect(apis.filter((a) => a.startsWith('uuid_break'))).toHaveLength(1);
    expect(caller.strayBreaks).toBe(0);
    caller.startNext();
    await bridgeThenHangUp(caller, session, ac, run);
  });

  test('an offer during the enqueue (nothing plays yet) sends no uuid_break to the idle channel', async () => {
    const { caller, session, apis } = harness({ onEnqueue: (s) => s.offer({ offerId: 'o1', contactId: 'call-1', agentId: 'a1', deadline: Date.now() + 20_000 }) });
    const ac = new AbortController();
    const run = session.run(ac.signal).catch((e: unknown) => e);
    await waitFor(() => (caller.queued[0] ? true : undefined), 'the first application');
    expect(caller.queued[0]!.app).toBe('bridge'); // straight to the agent, no music in between
    expect(apis.filter((a) => a.startsWith('uuid_break'))).toEqual([]);
    caller.startNext();
    await bridgeThenHangUp(caller, session, ac, run);
    expect(caller.strayBreaks).toBe(0);
  });
});
