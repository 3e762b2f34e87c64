import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Logger } from '../logging/logger';
import { InvalidStateError } from '../platform/errors';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { nodeName, type EslNodeConfig } from './config';
import { EslCommandError, EslConnectionError, EslTimeoutError, toError } from './errors';
import { interpretApiBody, interpretReply, type EslOk } from './reply';
import { TypedEmitter } from '../platform/typed-emitter';
import { EslWire, header, type EslFrame, type RawEslEvent } from './wire';

/** The events the call model needs (see events.ts). CUSTOM subclasses follow the CUSTOM keyword. */
export const SUBSCRIBED_EVENTS: readonly string[] = [
  'CHANNEL_CREATE',
  'CHANNEL_ANSWER',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_HANGUP_COMPLETE',
  'DTMF',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
  'RECORD_START',
  'RECORD_STOP',
  'BACKGROUND_JOB',
  'CUSTOM',
  'conference::maintenance',
  'sofia::register',
  'sofia::unregister',
  'sofia::expire',
];

export enum ConnectionState {
  Idle = 'idle',
  Connecting = 'connecting',
  Authenticating = 'authenticating',
  Subscribing = 'subscribing',
  Ready = 'ready',
  Backoff = 'backoff',
  Closed = 'closed',
}

const LEGAL: Record<ConnectionState, readonly ConnectionState[]> = {
  [ConnectionState.Idle]: [ConnectionState.Connecting, ConnectionState.Closed],
  [ConnectionState.Connecting]: [ConnectionState.Authenticating, ConnectionState.Backoff, ConnectionState.Closed],
  [ConnectionState.Authenticating]: [ConnectionState.Subscribing, ConnectionState.Backoff, ConnectionState.Closed],
  [ConnectionState.Subscribing]: [ConnectionState.Ready, ConnectionState.Backoff, ConnectionState.Closed],
  [ConnectionState.Ready]: [ConnectionState.Backoff, ConnectionState.Closed],
  [ConnectionState.Backoff]: [ConnectionState.Connecting, ConnectionState.Closed],
  [ConnectionState.Closed]: [],
};

/** Per-node health for /api/health. `since`: when `connected` last changed (ISO 8601). */
export interface NodeHealth {
  node: string;
  connected: boolean;
  state: ConnectionState;
  since: string;
  lastError?: string;
  /** Connection attempts made after the first one (grows while the node is down). */
  reconnects: number;
}

export interface CommandOptions {
  /** Overrides the connection's default command timeout. */
  timeoutMs?: number;
}

export interface EslInboundOptions {
  node: EslNodeConfig;
  logger: Logger;
  /** Defaults to SUBSCRIBED_EVENTS. */
  events?: readonly string[];
  /** Default timeout for api/bgapi (bgapi: until the BACKGROUND_JOB arrives). Default 10 s. */
  commandTimeoutMs?: number;
  /** TCP connect + auth + subscribe must finish within this. Default 5 s. */
  handshakeTimeoutMs?: number;
  /** A timed-out command's reply still missing this long after the timeout → reconnect. Default 30 s. */
  wedgeMs?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
}

export type InboundConnectionEvents = {
  state: [to: ConnectionState, from: ConnectionState];
  ready: [];
  disconnected: [error: Error | undefined];
  /** Every subscribed event, including BACKGROUND_JOBs issued by other clients. */
  event: [event: RawEslEvent];
};

interface PendingJob {
  command: string;
  timer: NodeJS.Timeout;
  resolve(ok: EslOk): void;
  reject(err: Error): void;
}

/**
 * One inbound Event Socket connection to one FreeSWITCH node, reconnecting forever with
 * exponential backoff and jitter until close().
 *
 * ```
 *  idle ─start()─▶ connecting ─tcp up─▶ authenticating ─+OK accepted─▶ subscribing ─+OK─▶ ready
 *                     │  ▲                   │                             │               │
 *                     │  │ timer             │ refused / drop / timeout    │               │ drop
 *                     ▼  │                   ▼                             ▼               ▼
 *                   backoff ◀────────────────┴─────────────────────────────┴───────────────┘
 *
 *  any state ─close()─▶ closed   (pending api/bgapi rejected with EslConnectionError)
 * ```
 *
 * Promises: `api()` resolves when FreeSWITCH answered `+OK`/a value; `bgapi()` resolves when the
 * BACKGROUND_JOB with *our* Job-UUID arrived. Both reject with EslCommandError (-ERR/-USAGE,
 * raw reply kept), EslTimeoutError, or EslConnectionError (not ready, or dropped while pending).
 */
export class EslInboundConnection extends TypedEmitter<InboundConnectionEvents> {
  readonly name: string;
  readonly #node: EslNodeConfig;
  readonly #log: Logger;
  readonly #events: readonly string[];
  readonly #commandTimeoutMs: number;
  readonly #handshakeTimeoutMs: number;
  readonly #wedgeMs: number | undefined;
  readonly #backoff: BackoffPolicy;
  readonly #random: () => number;
  readonly #jobs = new Map<string, PendingJob>();

  #state = ConnectionState.Idle;
  #wire: EslWire | undefined;
  #socket: Socket | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #connects = 0;
  #since = new Date();
  #lastError: string | undefined;
  #closing: Promise<void> | undefined;

  constructor(opts: EslInboundOptions) {
    const name = nodeName(opts.node);
    const log = opts.logger.child({ node: name });
    super(log);
    this.name = name;
    this.#node = opts.node;
    this.#log = log;
    this.#events = opts.events ?? SUBSCRIBED_EVENTS;
    this.#commandTimeoutMs = opts.commandTimeoutMs ?? 10_000;
    this.#handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 5_000;
    this.#wedgeMs = opts.wedgeMs;
    this.#backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.#random = opts.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get connected(): boolean {
    return this.#state === ConnectionState.Ready;
  }

  /** Commands awaiting an answer: used to pick the least busy node. */
  get pending(): number {
    return (this.#wire?.pendingReplies ?? 0) + this.#jobs.size;
  }

  start(): void {
    if (this.#state !== ConnectionState.Idle) return;
    this.#connect();
  }

  /** Resolves once ready (now or later); rejects on timeout or close. For startup and tests. */
  waitReady(timeoutMs = this.#handshakeTimeoutMs): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.#state === ConnectionState.Closed) return Promise.reject(new EslConnectionError('connection closed', this.name));
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        clearTimeout(timer);
        this.off('ready', onReady);
        this.off('state', onState);
        if (err) reject(err);
        else resolve();
      };
      const onReady = (): void => done();
      const onState = (to: ConnectionState): void => {
        if (to === ConnectionState.Closed) done(new EslConnectionError('connection closed', this.name));
      };
      const timer = setTimeout(() => done(new EslConnectionError(`not ready within ${timeoutMs} ms: ${this.#lastError ?? this.#state}`, this.name)), timeoutMs);
      this.on('ready', onReady);
      this.on('state', onState);
    });
  }

  /** `api <command>`: blocks this connection's reply queue until answered, so keep it quick (use bgapi for originate). */
  async api(command: string, opts: CommandOptions = {}): Promise<EslOk> {
    const wire = this.#readyWire();
    const frame = await wire.request([`api ${command}`], opts.timeoutMs ?? this.#commandTimeoutMs);
    return interpretReply(command, frame);
  }

  /** `bgapi <command>` with our own Job-UUID; resolves with the BACKGROUND_JOB body. */
  bgapi(command: string, opts: CommandOptions = {}): Promise<EslOk> {
    let wire: EslWire;
    try {
      wire = this.#readyWire();
    } catch (err) {
      return Promise.reject(toError(err));
    }
    const timeoutMs = opts.timeoutMs ?? this.#commandTimeoutMs;
    const jobId = randomUUID();
    return new Promise<EslOk>((resolve, reject) => {
      const job: PendingJob = {
        command,
        timer: setTimeout(() => {
          this.#jobs.delete(jobId);
          reject(new EslTimeoutError(`bgapi ${command}`, timeoutMs));
        }, timeoutMs),
        resolve,
        reject,
      };
      // Registered before sending: the job's event can never be missed, whatever the order.
      this.#jobs.set(jobId, job);
      wire.request([`bgapi ${command}`, `Job-UUID: ${jobId}`], timeoutMs).then(
        (frame) => {
          try {
            interpretReply(`bgapi ${command}`, frame);
          } catch (err) {
            this.#settleJob(jobId, err as Error);
            return;
          }
          // FreeSWITCH honours a client Job-UUID (fixture g); if one ever did not, follow its id.
          const assigned = frame.headers['Job-UUID'];
          if (assigned && assigned !== jobId && this.#jobs.get(jobId) === job) {
            this.#jobs.delete(jobId);
            this.#jobs.set(assigned, job);
          }
        },
        (err: Error) => this.#settleJob(jobId, err),
      );
    });
  }

  health(): NodeHealth {
    return {
      node: this.name,
      connected: this.connected,
      state: this.#state,
      since: this.#since.toISOString(),
      ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}),
      reconnects: Math.max(0, this.#connects - 1),
    };
  }

  /** Stops reconnecting, says `exit`, rejects everything pending. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const wasConnected = this.connected;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#handshakeTimer);
    if (this.#state !== ConnectionState.Closed) this.#transition(ConnectionState.Closed);
    const closedError = new EslConnectionError('connection closed', this.name);
    this.#rejectJobs(closedError);
    this.#wire?.failPending(closedError);
    const wire = this.#wire;
    const socket = this.#socket;
    if (!wire || !socket || wire.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => wire.destroy(), 1_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (wasConnected) {
        // Polite goodbye; FreeSWITCH answers +OK bye and closes. destroy() is the fallback.
        wire.request(['exit'], 1_000, 'exit').then(
          () => undefined,
          () => undefined, // FreeSWITCH closing first is the expected outcome too
        );
      } else {
        wire.destroy();
      }
    });
  }

  #readyWire(): EslWire {
    if (this.#state !== ConnectionState.Ready || !this.#wire) {
      throw new EslConnectionError(`FreeSWITCH ${this.name} is not connected (${this.#lastError ?? this.#state})`, this.name);
    }
    return this.#wire;
  }

  #connect(): void {
    this.#transition(ConnectionState.Connecting);
    this.#connects += 1;
    const socket = connect({ host: this.#node.host, port: this.#node.port });
    socket.setKeepAlive(true, 10_000);
    socket.setNoDelay(true);
    this.#socket = socket;
    const wire = new EslWire(socket, {
      logger: this.#log,
      node: this.name,
      wedgeMs: this.#wedgeMs,
      onFrame: (frame) => this.#onFrame(wire, frame),
      onClose: (err) => this.#onWireClose(wire, err),
    });
    this.#wire = wire;
    this.#handshakeTimer = setTimeout(() => {
      this.#lastError = `handshake not finished within ${this.#handshakeTimeoutMs} ms`;
      wire.destroy(new EslConnectionError(this.#lastError, this.name));
    }, this.#handshakeTimeoutMs);
    socket.once('connect', () => {
      if (this.#wire === wire && this.#state === ConnectionState.Connecting) this.#transition(ConnectionState.Authenticating);
    });
  }

  #onFrame(wire: EslWire, frame: EslFrame): void {
    if (wire !== this.#wire) return;
    switch (frame.kind) {
      case 'auth-request':
        this.#handshake(wire).catch((err: Error) => {
          this.#lastError = err.message;
          this.#log.warn({ err }, 'ESL handshake failed');
          wire.destroy(err);
        });
        return;
      case 'event':
        if (frame.event) this.#onEvent(frame.event);
        return;
      case 'disconnect-notice':
        this.#log.info('FreeSWITCH sent disconnect-notice');
        return;
      default:
        return;
    }
  }

  async #handshake(wire: EslWire): Promise<void> {
    if (this.#state === ConnectionState.Connecting) this.#transition(ConnectionState.Authenticating);
    const auth = await wire.request([`auth ${this.#node.password}`], this.#handshakeTimeoutMs, 'auth');
    try {
      interpretReply('auth', auth);
    } catch (err) {
      throw err instanceof EslCommandError ? new EslConnectionError(`authentication refused (${err.reply.trim()})`, this.name) : err;
    }
    if (!this.#current(wire, ConnectionState.Authenticating)) return;
    this.#transition(ConnectionState.Subscribing);
    const sub = `event json ${this.#events.join(' ')}`;
    interpretReply(sub, await wire.request([sub], this.#handshakeTimeoutMs));
    if (!this.#current(wire, ConnectionState.Subscribing)) return;
    clearTimeout(this.#handshakeTimer);
    this.#attempt = 0;
    this.#lastError = undefined;
    this.#transition(ConnectionState.Ready);
    this.safeEmit('ready');
  }

  /** After an await: is this still the live socket, in the step we expect? (close() may have run.) */
  #current(wire: EslWire, state: ConnectionState): boolean {
    return wire === this.#wire && this.#state === state;
  }

  #onEvent(event: RawEslEvent): void {
    if (event.name === 'BACKGROUND_JOB') {
      // Every subscriber gets every BACKGROUND_JOB (fixture e2): only our own ids settle jobs.
      const jobId = header(event, 'Job-UUID');
      const job = jobId !== undefined ? this.#jobs.get(jobId) : undefined;
      if (jobId !== undefined && job) {
        this.#jobs.delete(jobId);
        clearTimeout(job.timer);
        try {
          job.resolve(interpretApiBody(`bgapi ${job.command}`, event.body));
        } catch (err) {
          job.reject(err as Error);
        }
      }
    }
    this.safeEmit('event', event);
  }

  #onWireClose(wire: EslWire, err: Error | undefined): void {
    if (wire !== this.#wire) return;
    clearTimeout(this.#handshakeTimer);
    const dropped = new EslConnectionError(`connection to FreeSWITCH ${this.name} lost${err ? `: ${err.message}` : ''}`, this.name);
    this.#rejectJobs(dropped);
    if (this.#state === ConnectionState.Closed) return;
    if (err && this.#lastError === undefined) this.#lastError = err.message;
    this.#lastError ??= 'connection closed by FreeSWITCH';
    const wasReady = this.#state === ConnectionState.Ready;
    this.#transition(ConnectionState.Backoff);
    if (wasReady) this.safeEmit('disconnected', err);
    this.#attempt += 1;
    const delay = backoffDelay(this.#attempt, this.#backoff, this.#random);
    this.#log.warn({ attempt: this.#attempt, delayMs: delay, reason: this.#lastError }, 'FreeSWITCH connection down; reconnecting');
    this.#retryTimer = setTimeout(() => {
      if (this.#state === ConnectionState.Backoff) this.#connect();
    }, delay);
  }

  #settleJob(jobId: string, err: Error): void {
    const job = this.#jobs.get(jobId);
    if (!job) return;
    this.#jobs.delete(jobId);
    clearTimeout(job.timer);
    job.reject(err);
  }

  #rejectJobs(err: Error): void {
    for (const job of this.#jobs.values()) {
      clearTimeout(job.timer);
      job.reject(err);
    }
    this.#jobs.clear();
  }

  /** The only place the state changes: checks legality, records health, logs, emits. */
  #transition(to: ConnectionState): void {
    const from = this.#state;
    if (!LEGAL[from].includes(to)) {
      throw new InvalidStateError(`ESL connection ${this.name}: illegal transition ${from} → ${to}`);
    }
    this.#state = to;
    const wasUp = from === ConnectionState.Ready;
    const isUp = to === ConnectionState.Ready;
    if (wasUp !== isUp) this.#since = new Date();
    if (isUp || wasUp) this.#log.info({ from, to }, 'ESL connection state');
    else this.#log.debug({ from, to }, 'ESL connection state');
    this.safeEmit('state', to, from);
  }
}
