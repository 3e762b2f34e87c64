/**
 * One ESL socket: framing (drachtio-modesl's Parser), writing commands, and matching
 * replies to commands. Shared by the inbound connection and the outbound session.
 *
 * Reply matching: FreeSWITCH answers commands strictly in the order they were sent
 * (fixture h2: pipelined commands, FIFO replies), and an `api`/command reply carries no id.
 * So pending replies are a FIFO of slots. A slot whose timeout fired stays in the queue,
 * marked settled, so the late reply is consumed by *its* slot and later replies stay aligned.
 * Events (text/event-*) and disconnect notices are not replies and go to `onFrame`.
 */
import type { Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { Parser, type Event as ModeslEvent, type EslOuterHeaders } from 'drachtio-modesl';
import type { Logger } from '../logging/logger';
import { ValidationError } from '../platform/errors';
import { EslConnectionError, EslTimeoutError, toError } from './errors';

/** A header value from an event: JSON events carry arrays for multi-valued variables. */
export type HeaderValue = string | string[];

/** One FreeSWITCH event with its headers (URL-decoded) and body. */
export interface RawEslEvent {
  name: string;
  subclass?: string;
  headers: Readonly<Record<string, HeaderValue>>;
  body: string;
}

export type EslFrameKind = 'auth-request' | 'command-reply' | 'api-response' | 'event' | 'disconnect-notice' | 'other';

export interface EslFrame {
  kind: EslFrameKind;
  /** Outer headers of the frame, URL-decoded (for the outbound connect reply: the whole channel). */
  headers: Readonly<Record<string, string>>;
  /** Body for api/response and disconnect notices; '' when none. */
  body: string;
  /** Set when kind === 'event'. */
  event?: RawEslEvent;
}

/** What a command's reply slot expects. A mismatch still settles it (see fixture i: api before auth). */
export type ReplyKind = 'command-reply' | 'api-response';

interface ReplySlot {
  command: string;
  settled: boolean;
  timer?: NodeJS.Timeout;
  resolve(frame: EslFrame): void;
  reject(err: Error): void;
}

export interface EslWireOptions {
  logger: Logger;
  /** Used in EslConnectionError so the caller knows which node failed. */
  node?: string;
  /**
   * After a command timed out, how long its reply may still be owed before the connection is
   * declared wedged and destroyed (the owner reconnects). FreeSWITCH answers in order, so a
   * late reply is normal; one that never comes means nothing after it can be trusted either.
   * Default 30 s.
   */
  wedgeMs?: number;
  onFrame(frame: EslFrame): void;
  onClose(error?: Error): void;
}

export class EslWire {
  readonly #socket: Socket;
  readonly #opts: EslWireOptions;
  readonly #replies: ReplySlot[] = [];
  readonly #wedgeTimers = new Set<NodeJS.Timeout>();
  #closed = false;
  #closeError: Error | undefined;

  constructor(socket: Socket, opts: EslWireOptions) {
    this.#socket = socket;
    this.#opts = opts;
    // The parser only listens to 'data'/'end' on what it is given. Feeding it through our own
    // emitter lets us catch what it throws: modesl calls decodeURIComponent on every header
    // value inside the socket's data handler, so a stray '%' would otherwise be an uncaught
    // exception that takes the whole process down.
    const feed = new EventEmitter();
    const parser = new Parser(feed);
    parser.on('esl::event', (event, headers, body) => this.#dispatch(event, headers, body));
    parser.on('error', (err) => this.#opts.logger.warn({ err }, 'ESL parser could not decode an event body; frame dropped'));
    socket.on('data', (chunk: Buffer) => {
      try {
        feed.emit('data', chunk);
      } catch (err) {
        this.destroy(new EslConnectionError(`malformed ESL frame: ${(err as Error).message}`, opts.node));
      }
    });
    socket.on('error', (err) => {
      this.#closeError ??= new EslConnectionError(`ESL socket error: ${err.message}`, opts.node);
    });
    socket.on('close', () => this.#onClose());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Replies still owed by FreeSWITCH, including those whose caller already timed out. */
  get pendingReplies(): number {
    return this.#replies.length;
  }

  /**
   * Writes one command and resolves with its reply frame (any -ERR interpretation is the caller's).
   * `lines[0]` is the command line, the rest are `Name: value` headers. `label` names the
   * command in errors instead of the line itself (`auth <password>` must never reach a log).
   */
  request(lines: string[], timeoutMs: number, label?: string): Promise<EslFrame> {
    const command = label ?? lines[0] ?? '';
    if (this.#closed) return Promise.reject(this.#closedError());
    try {
      assertSafeLines(lines);
    } catch (err) {
      return Promise.reject(toError(err));
    }
    return new Promise<EslFrame>((resolve, reject) => {
      const slot: ReplySlot = {
        command,
        settled: false,
        resolve: (f) => {
          if (slot.settled) return;
          slot.settled = true;
          clearTimeout(slot.timer);
          resolve(f);
        },
        reject: (e) => {
          if (slot.settled) return;
          slot.settled = true;
          clearTimeout(slot.timer);
          reject(e);
        },
      };
      slot.timer = setTimeout(() => {
        slot.reject(new EslTimeoutError(command, timeoutMs));
        this.#watchForWedge(slot, timeoutMs);
      }, timeoutMs);
      this.#replies.push(slot);
      this.write(lines);
    });
  }

  /** Writes a command without expecting a reply (only `exit`-style teardown uses this). */
  write(lines: string[]): void {
    assertSafeLines(lines);
    if (this.#closed) return;
    this.#socket.write(`${lines.join('\n')}\n\n`);
  }

  /** Ends the socket and rejects every pending reply. Idempotent. */
  destroy(error?: Error): void {
    if (error) this.#closeError ??= error;
    if (!this.#socket.destroyed) this.#socket.destroy();
    // 'close' follows asynchronously; reject now so callers see the failure right away.
    this.#rejectAll();
  }

  /** Rejects every reply still owed (the owner is closing; late replies are then ignored). */
  failPending(error: Error): void {
    for (const slot of this.#replies.splice(0)) slot.reject(error);
  }

  /** Closes the write side politely (after `exit`); the peer then closes. */
  end(): void {
    if (!this.#socket.destroyed) this.#socket.end();
  }

  #watchForWedge(slot: ReplySlot, timeoutMs: number): void {
    const wedgeMs = this.#opts.wedgeMs ?? 30_000;
    const timer = setTimeout(() => {
      this.#wedgeTimers.delete(timer);
      if (!this.#replies.includes(slot)) return;
      this.#opts.logger.warn({ command: slot.command.split(' ').slice(0, 2).join(' '), waitedMs: timeoutMs + wedgeMs }, 'no reply from FreeSWITCH; dropping the connection');
      this.destroy(new EslConnectionError(`FreeSWITCH stopped answering (no reply to ${slot.command.split(' ')[0] ?? ''} after ${timeoutMs + wedgeMs} ms)`, this.#opts.node));
    }, wedgeMs);
    timer.unref();
    this.#wedgeTimers.add(timer);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#wedgeTimers) clearTimeout(t);
    this.#wedgeTimers.clear();
    this.#rejectAll();
    this.#opts.onClose(this.#closeError);
  }

  #rejectAll(): void {
    const err = this.#closedError();
    for (const slot of this.#replies.splice(0)) slot.reject(err);
  }

  #closedError(): Error {
    return this.#closeError ?? new EslConnectionError('ESL connection closed', this.#opts.node);
  }

  #dispatch(event: ModeslEvent, outer: EslOuterHeaders, body: string | undefined): void {
    // Runs inside the parser's (recursive) frame loop: it must never throw.
    try {
      const frame = toFrame(event, outer, body);
      if (frame.kind === 'command-reply' || frame.kind === 'api-response') {
        const slot = this.#replies.shift();
        if (slot) slot.resolve(frame);
        else this.#opts.logger.warn({ kind: frame.kind }, 'ESL reply with no command waiting; ignored');
        return;
      }
      this.#opts.onFrame(frame);
    } catch (err) {
      this.#opts.logger.error({ err }, 'ESL frame handler threw; frame dropped');
    }
  }
}

const KIND_BY_CONTENT_TYPE: Record<string, EslFrameKind> = {
  'auth/request': 'auth-request',
  'command/reply': 'command-reply',
  'api/response': 'api-response',
  'text/event-json': 'event',
  'text/event-plain': 'event',
  'text/event-xml': 'event',
  'text/disconnect-notice': 'disconnect-notice',
};

/** Converts what modesl's parser produced into our frame shape. Exported for fixture tests. */
export function toFrame(event: ModeslEvent, outer: EslOuterHeaders, body: string | undefined): EslFrame {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(outer)) if (v !== undefined) headers[k] = String(v);
  const kind = KIND_BY_CONTENT_TYPE[headers['Content-Type'] ?? ''] ?? 'other';
  if (kind !== 'event') return { kind, headers, body: body ?? '' };
  const evHeaders: Record<string, HeaderValue> = {};
  for (const h of event.headers) {
    evHeaders[h.name] = Array.isArray(h.value) ? h.value.map(String) : String(h.value);
  }
  const name = typeof evHeaders['Event-Name'] === 'string' ? evHeaders['Event-Name'] : '';
  const subclass = evHeaders['Event-Subclass'];
  return {
    kind,
    headers,
    body: '',
    event: { name, subclass: typeof subclass === 'string' ? subclass : undefined, headers: evHeaders, body: event.getBody() ?? '' },
  };
}

function assertSafeLines(lines: string[]): void {
  for (const line of lines) {
    // A line break inside a line would end the frame early and smuggle a second command in.
    if (/[\r\n]/.test(line)) throw new ValidationError('ESL command lines must not contain line breaks');
  }
}

/** First value of a header (arrays: the first element). */
export function header(ev: RawEslEvent, name: string): string | undefined {
  const v = ev.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
