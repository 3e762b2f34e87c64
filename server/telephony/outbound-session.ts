import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from '../logging/logger';
import { InvalidStateError, ValidationError } from '../platform/errors';
import { parseConnectReply, type ChannelSnapshot } from './channel-snapshot';
import { buildUuidSetvar } from './commands/builders';
import { ChannelHangupError, EslConnectionError, EslTimeoutError } from './errors';
import { interpretReply, type EslOk } from './reply';
import { TypedEmitter } from '../platform/typed-emitter';
import { EslWire, header, type EslFrame, type RawEslEvent } from './wire';

export enum SessionState {
  Connecting = 'connecting',
  Ready = 'ready',
  HungUp = 'hungup',
  Closed = 'closed',
}

const LEGAL: Record<SessionState, readonly SessionState[]> = {
  [SessionState.Connecting]: [SessionState.Ready, SessionState.HungUp, SessionState.Closed],
  [SessionState.Ready]: [SessionState.HungUp, SessionState.Closed],
  [SessionState.HungUp]: [SessionState.Closed],
  [SessionState.Closed]: [],
};

export interface ExecuteResult {
  application: string;
  /** Application-Response: `_none_`, `FILE PLAYED`, ... */
  response: string;
  /** The CHANNEL_EXECUTE_COMPLETE event: read app results such as `variable_<var>` from it. */
  event: RawEslEvent;
}

export interface DtmfInfo {
  digit: string;
  durationMs?: number;
  source?: string;
}

export interface OutboundSessionOptions {
  logger: Logger;
  /** `true` (default): `linger` forever and send `exit` ourselves; a number: `linger <seconds>`; false: no linger. */
  linger?: boolean | number;
  /** With linger forever: send `exit` once FreeSWITCH says the channel is gone. Default true. */
  autoExit?: boolean;
  /** Setup (connect, myevents, linger) must finish within this. Default 5 s. */
  setupTimeoutMs?: number;
  /** Default timeout for api/sendmsg replies. Default 10 s. */
  commandTimeoutMs?: number;
  /** Default timeout for an execute to complete (playback can be long). Default 5 min. */
  executeTimeoutMs?: number;
}

export type OutboundSessionEvents = {
  state: [to: SessionState, from: SessionState];
  /** Every event FreeSWITCH sends for this channel (myevents, plain format). */
  event: [event: RawEslEvent];
  dtmf: [dtmf: DtmfInfo];
  /** CHANNEL_HANGUP (or a linger notice): the caller is gone, pending executes were rejected. */
  hangup: [cause: string];
  /** CHANNEL_HANGUP_COMPLETE, with the final variables (billsec, ...). */
  hangupComplete: [event: RawEslEvent];
  closed: [];
};

interface PendingExecute {
  app: string;
  timer: NodeJS.Timeout;
  resolve(result: ExecuteResult): void;
  reject(err: Error): void;
}

/**
 * One call's outbound Event Socket (dialplan `socket HOST:PORT async full`).
 *
 * ```
 *  connecting ──connect/myevents/linger +OK──▶ ready ──CHANNEL_HANGUP──▶ hungup
 *      │                                         │                          │
 *      └─────── socket closed / close() ─────────┴──────────────────────────┴──▶ closed
 * ```
 *
 * Promises: `execute()` resolves when the application finished (the CHANNEL_EXECUTE_COMPLETE
 * whose Application-UUID is the Event-UUID we sent), with its Application-Response and event.
 * `hangup()` and `api()` resolve when FreeSWITCH accepted the command; the hangup itself is
 * reported by the `hangup` event. Pending executes reject with ChannelHangupError when the
 * caller hangs up and EslConnectionError when the socket closes first.
 */
export class OutboundSession extends TypedEmitter<OutboundSessionEvents> {
  /** Our id for this socket (the channel uuid is known only after setup). */
  readonly id: string;
  readonly #wire: EslWire;
  readonly #opts: Required<Omit<OutboundSessionOptions, 'logger'>>;
  readonly #pending = new Map<string, PendingExecute>();
  #log: Logger;
  #state = SessionState.Connecting;
  #channel: ChannelSnapshot | undefined;
  #hangupCause: string | undefined;
  #closing: Promise<void> | undefined;
  readonly #closedPromise: Promise<void>;
  #resolveClosed!: () => void;

  constructor(socket: Socket, opts: OutboundSessionOptions) {
    const id = randomUUID();
    const log = opts.logger.child({ session: id });
    super(log);
    this.id = id;
    this.#log = log;
    this.#opts = {
      linger: opts.linger ?? true,
      autoExit: opts.autoExit ?? true,
      setupTimeoutMs: opts.setupTimeoutMs ?? 5_000,
      commandTimeoutMs: opts.commandTimeoutMs ?? 10_000,
      executeTimeoutMs: opts.executeTimeoutMs ?? 300_000,
    };
    this.#closedPromise = new Promise((resolve) => (this.#resolveClosed = resolve));
    socket.setNoDelay(true);
    this.#wire = new EslWire(socket, {
      logger: this.#log,
      onFrame: (frame) => this.#onFrame(frame),
      onClose: (err) => this.#onClose(err),
    });
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The channel as described by the connect reply. Throws before setup finished. */
  get channel(): ChannelSnapshot {
    if (!this.#channel) throw new InvalidStateError('outbound session: channel not known before setup');
    return this.#channel;
  }

  get uuid(): string {
    return this.channel.uuid;
  }

  /** The channel's uuid once the connect reply named it (undefined before, unlike `uuid`). */
  get knownUuid(): string | undefined {
    return this.#channel?.uuid;
  }

  get hangupCause(): string | undefined {
    return this.#hangupCause;
  }

  get logger(): Logger {
    return this.#log;
  }

  /** Resolves when the socket has closed (for whatever reason). */
  get closed(): Promise<void> {
    return this.#closedPromise;
  }

  /** Adds `callId` to this session's log context once the call layer has assigned one. */
  bindCallId(callId: string): void {
    this.#log = this.#log.child({ callId });
  }

  /** connect → channel snapshot, myevents, linger. Called by the server; rejects and closes on failure. */
  async setup(): Promise<ChannelSnapshot> {
    const t = this.#opts.setupTimeoutMs;
    try {
      const reply = await this.#wire.request(['connect'], t);
      const channel = parseConnectReply(reply.headers);
      this.#channel = channel;
      this.#log = this.#log.child({ uuid: channel.uuid, ...(channel.hotlineCallId ? { callId: channel.hotlineCallId } : {}) });
      interpretReply('myevents', await this.#wire.request(['myevents'], t));
      const linger = this.#opts.linger;
      if (linger !== false) {
        const cmd = linger === true ? 'linger' : `linger ${Math.max(1, Math.round(linger))}`;
        interpretReply(cmd, await this.#wire.request([cmd], t));
      }
    } catch (err) {
      this.#log.warn({ err }, 'outbound session setup failed');
      this.#wire.destroy(err as Error);
      throw err;
    }
    if (this.#state === SessionState.Connecting) this.#transition(SessionState.Ready);
    this.#log.info({ caller: this.#channel.callerIdNumber, destination: this.#channel.destinationNumber }, 'outbound session ready');
    return this.#channel;
  }

  /** Runs a dialplan application on this channel and resolves when it completed. */
  execute(app: string, arg?: string, opts: { timeoutMs?: number } = {}): Promise<ExecuteResult> {
    const refusal = this.#refusal();
    if (refusal) return Promise.reject(refusal);
    if (!/^[A-Za-z0-9_]+$/.test(app)) return Promise.reject(new ValidationError(`invalid application name "${app}"`));
    if (arg !== undefined && /[\r\n]/.test(arg)) return Promise.reject(new ValidationError('application argument must not contain line breaks'));
    const eventUuid = randomUUID();
    const timeoutMs = opts.timeoutMs ?? this.#opts.executeTimeoutMs;
    return new Promise<ExecuteResult>((resolve, reject) => {
      const pending: PendingExecute = {
        app,
        timer: setTimeout(() => {
          this.#pending.delete(eventUuid);
          reject(new EslTimeoutError(`execute ${app}`, timeoutMs));
        }, timeoutMs),
        resolve,
        reject,
      };
      this.#pending.set(eventUuid, pending);
      const lines = ['sendmsg', 'call-command: execute', `execute-app-name: ${app}`];
      if (arg !== undefined && arg !== '') lines.push(`execute-app-arg: ${arg}`);
      lines.push(`Event-UUID: ${eventUuid}`);
      this.#wire.request(lines, this.#opts.commandTimeoutMs).then(
        (frame) => {
          try {
            interpretReply(`sendmsg execute ${app}`, frame);
          } catch (err) {
            this.#settle(eventUuid, err as Error);
          }
        },
        (err: Error) => this.#settle(eventUuid, err),
      );
    });
  }

  /** `api <command>` over this socket (e.g. uuid_getvar). */
  async api(command: string, opts: { timeoutMs?: number } = {}): Promise<EslOk> {
    if (this.#state === SessionState.Closed || this.#wire.closed) throw new EslConnectionError('outbound session closed');
    const frame = await this.#wire.request([`api ${command}`], opts.timeoutMs ?? this.#opts.commandTimeoutMs);
    return interpretReply(command, frame);
  }

  /** Sets a channel variable now (uuid_setvar), without queueing behind a running application. */
  async setVariable(name: string, value: string): Promise<void> {
    await this.api(buildUuidSetvar(this.uuid, name, value));
  }

  /** Asks FreeSWITCH to hang the channel up. Resolves when accepted; the `hangup` event follows. */
  async hangup(cause = 'NORMAL_CLEARING'): Promise<void> {
    if (!/^[A-Z0-9_]+$/.test(cause)) throw new ValidationError(`invalid hangup cause "${cause}"`);
    if (this.#state === SessionState.HungUp) return;
    const refusal = this.#refusal();
    if (refusal) throw refusal;
    const frame = await this.#wire.request(['sendmsg', 'call-command: hangup', `hangup-cause: ${cause}`], this.#opts.commandTimeoutMs);
    interpretReply('sendmsg hangup', frame);
  }

  /**
   * Ends the session: `exit` (FreeSWITCH answers +OK bye, sends disconnect-notice and closes),
   * with a forced close if it does not within a second. Rejects anything pending. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (!this.#wire.closed) {
      const force = setTimeout(() => this.#wire.destroy(), 1_000);
      // +OK bye is a reply like any other: give it a slot so the FIFO stays exact.
      this.#wire.request(['exit'], 1_000, 'exit').then(
        () => undefined,
        (err: Error) => this.#log.debug({ err }, 'no +OK bye to exit'),
      );
      await this.#closedPromise;
      clearTimeout(force);
    }
  }

  #refusal(): Error | undefined {
    if (this.#state === SessionState.HungUp) return new ChannelHangupError(this.#channel?.uuid ?? '', this.#hangupCause ?? 'UNKNOWN');
    if (this.#state === SessionState.Closed || this.#wire.closed) return new EslConnectionError('outbound session closed');
    if (this.#state !== SessionState.Ready) return new InvalidStateError(`outbound session is ${this.#state}`);
    return undefined;
  }

  #onFrame(frame: EslFrame): void {
    if (frame.kind === 'event' && frame.event) {
      this.#onEvent(frame.event);
      return;
    }
    if (frame.kind === 'disconnect-notice') {
      const disposition = frame.headers['Content-Disposition'];
      this.#log.debug({ disposition, lingerTime: frame.headers['Linger-Time'] }, 'disconnect-notice');
      // 'linger' is sent once the channel is gone; with linger forever FreeSWITCH then waits for our exit.
      if (disposition === 'linger') {
        this.#onHangup(this.#hangupCause ?? 'NORMAL_CLEARING');
        if (this.#opts.linger === true && this.#opts.autoExit) setImmediate(() => void this.close());
      }
    }
  }

  #onEvent(event: RawEslEvent): void {
    switch (event.name) {
      case 'CHANNEL_EXECUTE_COMPLETE': {
        const id = header(event, 'Application-UUID');
        const pending = id !== undefined ? this.#pending.get(id) : undefined;
        if (id !== undefined && pending) {
          this.#pending.delete(id);
          clearTimeout(pending.timer);
          pending.resolve({ application: header(event, 'Application') ?? pending.app, response: header(event, 'Application-Response') ?? '', event });
        }
        break;
      }
      case 'DTMF': {
        const digit = header(event, 'DTMF-Digit');
        if (digit !== undefined) {
          const duration = Number(header(event, 'DTMF-Duration'));
          // DTMF-Duration is in samples at 8 kHz (1600 = 200 ms).
          this.safeEmit('dtmf', { digit, ...(Number.isFinite(duration) ? { durationMs: duration / 8 } : {}), source: header(event, 'DTMF-Source') });
        }
        break;
      }
      case 'CHANNEL_HANGUP':
        this.#onHangup(header(event, 'Hangup-Cause') ?? 'NORMAL_CLEARING');
        break;
      case 'CHANNEL_HANGUP_COMPLETE':
        this.#onHangup(header(event, 'Hangup-Cause') ?? 'NORMAL_CLEARING');
        this.safeEmit('hangupComplete', event);
        break;
      default:
        break;
    }
    this.safeEmit('event', event);
  }

  #onHangup(cause: string): void {
    if (this.#state === SessionState.HungUp || this.#state === SessionState.Closed) return;
    this.#hangupCause = cause;
    this.#transition(SessionState.HungUp);
    const uuid = this.#channel?.uuid ?? '';
    this.#rejectPending(() => new ChannelHangupError(uuid, cause));
    this.safeEmit('hangup', cause);
  }

  #onClose(err: Error | undefined): void {
    const uuid = this.#channel?.uuid ?? '';
    const cause = this.#hangupCause;
    this.#rejectPending(() => (cause !== undefined ? new ChannelHangupError(uuid, cause) : new EslConnectionError(`outbound socket closed${err ? `: ${err.message}` : ''}`)));
    if (this.#state !== SessionState.Closed) this.#transition(SessionState.Closed);
    this.#resolveClosed();
    this.safeEmit('closed');
    this.removeAllListeners();
  }

  #settle(eventUuid: string, err: Error): void {
    const pending = this.#pending.get(eventUuid);
    if (!pending) return;
    this.#pending.delete(eventUuid);
    clearTimeout(pending.timer);
    pending.reject(err);
  }

  #rejectPending(makeError: () => Error): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(makeError());
    }
    this.#pending.clear();
  }

  /** The only place the state changes: checks legality, logs, emits. */
  #transition(to: SessionState): void {
    const from = this.#state;
    if (!LEGAL[from].includes(to)) throw new InvalidStateError(`outbound session: illegal transition ${from} → ${to}`);
    this.#state = to;
    this.#log.debug({ from, to }, 'outbound session state');
    this.safeEmit('state', to, from);
  }
}
