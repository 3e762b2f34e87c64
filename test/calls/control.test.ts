/**
 * Call control across server processes: two CallControl instances (as two Hotline
 * processes would have) sharing one real Redis. Process B holds the call; process A's
 * requests travel over pub/sub to B and back, with typed errors and a timeout.
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { CallControl, RemoteControlTimeoutError, type ControllableCall } from '../../server/calls/control';
import type { ConsultTarget, TransferTarget } from '../../server/calls/session';
import { silentLogger } from '../../server/logging/logger';
import { ForbiddenError, InvalidStateError, NotFoundError, UnavailableError, ValidationError } from '../../server/platform/errors';
import { deleteRedisPrefix, TEST_REDIS } from '../helpers/redis-cleanup';

/** A live call as its owner sees it: records what it was asked to do. */
class FakeCall implements ControllableCall {
  state = 'talking';
  readonly done: string[] = [];
  constructor(readonly agentIds: string[]) {}
  #do(what: string): Promise<void> {
    this.done.push(what);
    return Promise.resolve();
  }
  hangup(by: string | null) {
    return this.#do(`hangup by ${by}`);
  }
  hold(by: string | null) {
    this.state = 'held';
    return this.#do(`hold by ${by}`);
  }
  resume(): Promise<void> {
    return Promise.reject(new InvalidStateError('call c1 is not on hold'));
  }
  sendToSurvey(by: string | null) {
    return this.#do(`survey by ${by}`);
  }
  consultComplete() {
    return this.#do('consult_complete');
  }
  consultCancel() {
    return this.#do('consult_cancel');
  }
  merge() {
    return this.#do('merge');
  }
  pauseRecording() {
    return Promise.reject(new Error('ESL connection lost'));
  }
  resumeRecording() {
    return this.#do('recording_resume');
  }
  transfer(target: TransferTarget, by: string | null): Promise<void> {
    if (target.kind === 'ivr' && target.node === 'nope') return Promise.reject(new ValidationError('The call\'s flow has no node "nope"', [{ path: 'target.node', message: 'no such node in the flow' }]));
    return this.#do(`transfer ${JSON.stringify(target)} by ${by}`);
  }
  async consult(target: ConsultTarget): Promise<{ legUuid: string }> {
    await this.#do(`consult ${JSON.stringify(target)}`);
    return { legUuid: 'leg-1' };
  }
  sendDtmf(digits: string) {
    return this.#do(`dtmf ${digits}`);
  }
}

describe('call control across processes (Redis pub/sub)', () => {
  const prefix = `hotline-test:control:${crypto.randomBytes(4).toString('hex')}:`;
  const callsOfB = new Map<string, FakeCall>();
  let a: CallControl;
  let b: CallControl;
  const alice = 'agent-alice';
  const actor = { userId: alice, mayMonitor: false };

  beforeAll(async () => {
    a = new CallControl({ redisUrl: TEST_REDIS, prefix, instanceId: 'process-a', local: { get: () => undefined }, log: silentLogger, timeoutMs: 300 });
    b = new CallControl({ redisUrl: TEST_REDIS, prefix, instanceId: 'process-b', local: { get: (id) => callsOfB.get(id) }, log: silentLogger });
    await Promise.all([a.start(), b.start()]);
    callsOfB.set('c1', new FakeCall([alice]));
    await b.claim('c1');
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    await deleteRedisPrefix(prefix);
  });

  test('a command for a call held by another process runs there and its result comes back', async () => {
    await expect(a.control('c1', { action: 'hold' }, actor)).resolves.toEqual({ state: 'held' });
    await expect(a.control('c1', { action: 'transfer', target: { kind: 'ivr', node: 'survey' } }, actor)).resolves.toEqual({ state: 'held' });
    await expect(a.control('c1', { action: 'consult', target: { kind: 'external', number: '13900000000' } }, actor)).resolves.toEqual({ legUuid: 'leg-1' });
    await expect(a.control('c1', { action: 'dtmf', digits: '12#' }, actor)).resolves.toEqual({ sent: 3 });
    expect(callsOfB.get('c1')!.done).toEqual([`hold by ${alice}`, `transfer {"kind":"ivr","node":"survey"} by ${alice}`, 'consult {"kind":"external","number":"13900000000"}', 'dtmf 12#']);
  });

  test('errors come back typed: invalid state, validation with fields, permission; untyped failures as 503', async () => {
    await expect(a.control('c1', { action: 'resume' }, actor)).rejects.toBeInstanceOf(InvalidStateError);
    const v = await a.control('c1', { action: 'transfer', target: { kind: 'ivr', node: 'nope' } }, actor).catch((e: unknown) => e);
    expect(v).toBeInstanceOf(ValidationError);
    expect(v).toMatchObject({ fields: [{ path: 'target.node', message: 'no such node in the flow' }] });
    await expect(a.control('c1', { action: 'hangup' }, { userId: 'someone-else', mayMonitor: false })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(a.control('c1', { action: 'hangup' }, { userId: 'supervisor', mayMonitor: true })).resolves.toEqual({ state: 'held' });
    const failure = await a.control('c1', { action: 'recording_pause' }, actor).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect((failure as Error).message).toMatch(/ESL connection lost/);
  });

  test('an unknown call is not found; a claim left by a process that is gone times out with a typed error', async () => {
    await expect(a.control('nobody', { action: 'hold' }, actor)).rejects.toBeInstanceOf(NotFoundError);
    const redis = new Redis(TEST_REDIS);
    try {
      await redis.set(`${prefix}calls:owner:c-orphan`, 'process-gone');
    } finally {
      redis.disconnect();
    }
    const err = await a.control('c-orphan', { action: 'hold' }, actor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteControlTimeoutError);
    expect(err).toMatchObject({ callId: 'c-orphan', owner: 'process-gone', code: 'unavailable' });
  });

  test('the owner releasing the call (it ended) makes it not found; the call held locally needs no Redis round trip', async () => {
    callsOfB.set('c2', new FakeCall([alice]));
    await b.claim('c2');
    await expect(b.control('c2', { action: 'hold' }, actor)).resolves.toEqual({ state: 'held' });
    await a.release('c2'); // not a's claim: nothing happens
    await expect(a.control('c2', { action: 'merge' }, actor)).resolves.toEqual({ state: 'held' });
    await b.release('c2');
    callsOfB.delete('c2');
    await expect(a.control('c2', { action: 'merge' }, actor)).rejects.toBeInstanceOf(NotFoundError);
  });

  test('after close, requests are refused', async () => {
    const c = new CallControl({ redisUrl: TEST_REDIS, prefix, instanceId: 'process-c', local: { get: () => undefined }, log: silentLogger });
    await c.start();
    await c.close();
    await c.close();
    await expect(c.control('c1', { action: 'hold' }, actor)).rejects.toBeInstanceOf(UnavailableError);
  });
});
