/**
 * Call control from any server process. A live call is driven by the process that holds
 * the caller's outbound ESL socket (its CallSession). That process claims the call in
 * Redis (`calls:owner:<callId>` → its instance id); a control request for a call this
 * process does not hold goes over Redis pub/sub to the owner's channel and waits for the
 * reply, with a timeout. The owner checks permission and runs the command on its
 * session; errors come back by code and are rethrown as the same typed errors.
 *
 *   caller process ──PUBLISH calls:control:<owner> {id, callId, command, actor, replyTo}──▶ owner
 *   caller process ◀──PUBLISH calls:reply:<replyTo> {id, ok, result | error}─────────────── owner
 *
 * Promises: control() resolves when the owner's session accepted the command (the same
 * meaning as the session's own methods); outcomes arrive as call events.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { Logger } from '../logging/logger';
import {
  ConflictError,
  ForbiddenError,
  HotlineError,
  InvalidStateError,
  NotFoundError,
  UnavailableError,
  ValidationError,
  type FieldError,
} from '../platform/errors';
import type { ConsultTarget, TransferTarget } from './session';

export type ControlCommand =
  | { action: 'hangup' | 'hold' | 'resume' | 'survey' | 'consult_complete' | 'consult_cancel' | 'merge' | 'recording_pause' | 'recording_resume' }
  | { action: 'transfer'; target: TransferTarget }
  | { action: 'consult'; target: ConsultTarget }
  | { action: 'dtmf'; digits: string };

/** Who asks: the owner checks that they are one of the call's agents, or may monitor. */
export interface ControlActor {
  userId: string;
  mayMonitor: boolean;
}

/** What control needs of a live call (CallSession implements it). */
export interface ControllableCall {
  readonly state: string;
  readonly agentIds: string[];
  hangup(by: string | null): Promise<void>;
  hold(by: string | null): Promise<void>;
  resume(by: string | null): Promise<void>;
  sendToSurvey(by: string | null): Promise<void>;
  consultComplete(by: string | null): Promise<void>;
  consultCancel(by: string | null): Promise<void>;
  merge(by: string | null): Promise<void>;
  pauseRecording(by: string | null): Promise<void>;
  resumeRecording(by: string | null): Promise<void>;
  transfer(target: TransferTarget, by: string | null): Promise<void>;
  consult(target: ConsultTarget, by: string | null): Promise<{ legUuid: string }>;
  sendDtmf(digits: string): Promise<void>;
}

export interface LocalCalls {
  get(callId: string): ControllableCall | undefined;
}

/** The owner did not answer in time (it died, or Redis is partitioned): 503. */
export class RemoteControlTimeoutError extends UnavailableError {
  constructor(
    readonly callId: string,
    readonly owner: string,
    readonly timeoutMs: number,
  ) {
    super(`The server process holding call ${callId} did not answer within ${timeoutMs} ms`);
  }
}

/** The owner failed with an error that has no typed counterpart here (an ESL failure, a bug): 503. */
export class RemoteControlError extends UnavailableError {}

type WireError = { code: string; message: string; fields?: FieldError[] };
interface Request {
  id: string;
  callId: string;
  command: ControlCommand;
  actor: ControlActor;
  replyTo: string;
}
type Reply = { id: string; ok: true; result: unknown } | { id: string; ok: false; error: WireError };

interface Pending {
  resolve(v: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Runs one command on a local call, after the permission check. */
export async function perform(call: ControllableCall, command: ControlCommand, actor: ControlActor): Promise<unknown> {
  if (!(call.agentIds.includes(actor.userId) || actor.mayMonitor)) throw new ForbiddenError('Not your call');
  const by = actor.userId;
  switch (command.action) {
    case 'hangup':
      await call.hangup(by);
      break;
    case 'hold':
      await call.hold(by);
      break;
    case 'resume':
      await call.resume(by);
      break;
    case 'survey':
      await call.sendToSurvey(by);
      break;
    case 'consult_complete':
      await call.consultComplete(by);
      break;
    case 'consult_cancel':
      await call.consultCancel(by);
      break;
    case 'merge':
      await call.merge(by);
      break;
    case 'recording_pause':
      await call.pauseRecording(by);
      break;
    case 'recording_resume':
      await call.resumeRecording(by);
      break;
    case 'transfer':
      await call.transfer(command.target, by);
      break;
    case 'consult':
      return call.consult(command.target, by);
    case 'dtmf':
      await call.sendDtmf(command.digits);
      return { sent: command.digits.length };
  }
  return { state: call.state };
}

function toWire(err: unknown): WireError {
  if (err instanceof HotlineError) return { code: err.code, message: err.message, ...(err.fields.length ? { fields: err.fields } : {}) };
  return { code: 'remote_failure', message: err instanceof Error ? err.message : String(err) };
}

function fromWire(e: WireError): Error {
  const withMessage = <T extends Error>(err: T): T => Object.assign(err, { message: e.message });
  switch (e.code) {
    case 'validation_failed':
      return new ValidationError(e.message, e.fields ?? []);
    case 'forbidden':
      return new ForbiddenError(e.message);
    case 'not_found':
      return withMessage(new NotFoundError('Live call'));
    case 'invalid_state':
      return new InvalidStateError(e.message);
    case 'conflict':
      return new ConflictError(e.message, e.code, e.fields ?? []);
    default:
      return new RemoteControlError(`Call control failed on the owning process: ${e.message}`);
  }
}

export interface CallControlOptions {
  redisUrl: string;
  prefix: string;
  /** This process (the ACD's instance id, so offers and control agree on the owner). */
  instanceId: string;
  local: LocalCalls;
  log: Logger;
  /** How long a remote request waits for the owner. Default 5 s. */
  timeoutMs?: number;
}

const OWNER_TTL_SEC = 12 * 3600;

export class CallControl {
  readonly #cmd: Redis;
  readonly #sub: Redis;
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutMs: number;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(private readonly opts: CallControlOptions) {
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
    this.#cmd = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, connectionName: 'hotline-call-control' });
    this.#sub = new Redis(opts.redisUrl, { lazyConnect: true, connectionName: 'hotline-call-control-sub' });
    for (const c of [this.#cmd, this.#sub]) c.on('error', (err: Error) => opts.log.warn({ err: err.message }, 'call control redis error'));
  }

  #key(callId: string): string {
    return `${this.opts.prefix}calls:owner:${callId}`;
  }
  #controlChannel(instance: string): string {
    return `${this.opts.prefix}calls:control:${instance}`;
  }
  #replyChannel(instance: string): string {
    return `${this.opts.prefix}calls:reply:${instance}`;
  }

  /** Resolves once this process listens for requests and replies. */
  async start(): Promise<void> {
    await Promise.all([this.#cmd.connect(), this.#sub.connect()]);
    this.#sub.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    await this.#sub.subscribe(this.#controlChannel(this.opts.instanceId), this.#replyChannel(this.opts.instanceId));
  }

  /** This process holds the call's socket: requests for it come here. */
  async claim(callId: string): Promise<void> {
    await this.#cmd.set(this.#key(callId), this.opts.instanceId, 'EX', OWNER_TTL_SEC);
  }

  /** The call left this process (ended, or back in the IVR): drop the claim if it is still ours. */
  async release(callId: string): Promise<void> {
    await this.#cmd.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, this.#key(callId), this.opts.instanceId);
  }

  /** Runs a command on the call wherever it lives. */
  async control(callId: string, command: ControlCommand, actor: ControlActor): Promise<unknown> {
    if (this.#closed) throw new UnavailableError('call control is closed');
    const local = this.opts.local.get(callId);
    if (local) return perform(local, command, actor);
    const owner = await this.#cmd.get(this.#key(callId));
    if (!owner || owner === this.opts.instanceId) throw new NotFoundError('Live call');
    const id = randomUUID();
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RemoteControlTimeoutError(callId, owner, this.#timeoutMs));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    const req: Request = { id, callId, command, actor, replyTo: this.opts.instanceId };
    try {
      await this.#cmd.publish(this.#controlChannel(owner), JSON.stringify(req));
    } catch (err) {
      const p = this.#pending.get(id);
      if (p) {
        clearTimeout(p.timer);
        this.#pending.delete(id);
      }
      void reply.catch(() => undefined);
      throw err;
    }
    return reply;
  }

  #onMessage(channel: string, message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      this.opts.log.warn({ channel }, 'call control: unreadable message dropped');
      return;
    }
    if (channel === this.#replyChannel(this.opts.instanceId)) {
      const r = parsed as Reply;
      const p = this.#pending.get(r.id);
      if (!p) return; // timed out already
      this.#pending.delete(r.id);
      clearTimeout(p.timer);
      if (r.ok) p.resolve(r.result);
      else p.reject(fromWire(r.error));
      return;
    }
    const req = parsed as Request;
    const work = this.#serve(req);
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  async #serve(req: Request): Promise<void> {
    let reply: Reply;
    try {
      const call = this.opts.local.get(req.callId);
      if (!call) throw new NotFoundError('Live call');
      reply = { id: req.id, ok: true, result: await perform(call, req.command, req.actor) };
    } catch (err) {
      if (!(err instanceof HotlineError)) this.opts.log.error({ err, callId: req.callId, action: req.command.action }, 'remote call control failed');
      reply = { id: req.id, ok: false, error: toWire(err) };
    }
    await this.#cmd.publish(this.#replyChannel(req.replyTo), JSON.stringify(reply)).catch((err: unknown) => this.opts.log.warn({ err, callId: req.callId }, 'call control: could not send the reply'));
  }

  /** Idempotent: pending requests reject, requests being served finish, connections close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new UnavailableError('call control closed'));
      this.#pending.delete(id);
    }
    await Promise.allSettled([...this.#inFlight]);
    this.#sub.disconnect();
    this.#cmd.disconnect();
  }
}
