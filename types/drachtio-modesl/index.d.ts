/**
 * Types for drachtio-modesl 1.3.x (the maintained fork of modesl), covering the parts Hotline
 * uses: the wire Parser and the Event it produces. Connection and Server are declared loosely
 * for completeness; server/telephony/README.md explains why Hotline does not drive them.
 */
declare module 'drachtio-modesl' {
  import type { EventEmitter } from 'node:events';

  /** One header as modesl stores it. JSON events may carry arrays (multi-valued channel variables). */
  export interface EslHeader {
    name: string;
    value: string | number | string[];
  }

  /** Outer headers of one ESL frame, URL-decoded by the parser; Content-Length is a number. */
  export type EslOuterHeaders = Record<string, string | number | undefined>;

  export class Event {
    constructor(type?: string | Record<string, unknown>, subclassOrBody?: string);
    headers: EslHeader[];
    type: string | undefined;
    subclass: string | undefined;
    body: string;
    getHeader(name: string): string | number | string[] | null;
    getBody(): string;
    getType(): string | undefined;
    addHeader(name: string, value: string | number): string | number;
    delHeader(name: string): EslHeader[] | null;
    addBody(value: string): string;
    serialize(format?: 'plain' | 'json' | 'xml'): string;
  }

  /**
   * Frames an ESL byte stream. It only listens to `data` and `end` on the emitter it is given,
   * so any EventEmitter that re-emits socket chunks works (Hotline feeds it through a guard).
   * Emits `esl::event` (event, outerHeaders, body) per frame and `error` on a JSON body it cannot parse.
   */
  export class Parser {
    constructor(socket: EventEmitter);
    on(event: 'esl::event', listener: (event: Event, headers: EslOuterHeaders, body: string | undefined) => void): this;
    on(event: 'error', listener: (err: unknown) => void): this;
    removeAllListeners(event?: string): this;
  }

  /** Callback-style connection (inbound when given host/port/password, outbound when given a socket). */
  export class Connection {
    constructor(...args: unknown[]);
    api(command: string, args?: string | string[] | ((event: Event) => void), cb?: (event: Event) => void): void;
    bgapi(command: string, args?: unknown, jobid?: unknown, cb?: (event: Event) => void): void;
    sendRecv(command: string, args?: Record<string, string> | ((event: Event) => void), cb?: (event: Event) => void): void;
    send(command: string, args?: Record<string, string>): void;
    disconnect(): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export class Server {
    constructor(opts?: Record<string, unknown>, readyCb?: () => void);
    close(callback?: () => void): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export function setLogLevel(level: number): void;
}
