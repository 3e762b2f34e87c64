import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import type { Logger } from 'pino';
import type { Engine } from '../core/engine';
import type { EventSink } from '../core/event-bus';
import { ORIGIN } from '../core/origins';
import type { Session } from '../core/session';
import { CommandParser, header, type ClientCommand } from '../wire/command-parser';
import { EslEvent, eventFrame, serializePlain, type EventFormat } from '../wire/event';
import { apiResponseFrame, commandReplyFrame, disconnectFrame, lingerFrame } from '../wire/frames';
import { MYEVENTS, nameEvent } from './event-names';

export type ApiRunner = (cmd: string, arg: string | undefined, session?: Session) => Promise<string>;

export interface ConnectionContext {
  engine: Engine;
  runApi: ApiRunner;
  password: string;
  stalled: () => boolean;
  log: Logger;
  /** Every open connection, so stopping the simulator can close outbound sockets too. */
  connections: Set<EslConnection>;
}

/** Outbound-socket specifics (the `socket` application's listener). */
export interface OutboundSetup {
  session: Session;
  async: boolean;
  full: boolean;
  /** Called once `connect` arrived (LFLAG_CONNECTED). */
  onConnected: () => void;
}

/** read_packet's MAX_MISSED: a client that stops reading loses events, then the connection. */
const MAX_MISSED = 500;
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * One ESL connection, inbound (auth first) or outbound (a call's socket): command
 * parsing and replies in strict FIFO order, event subscription/format/filters, and the
 * rule that events produced while a command runs are sent after its reply.
 */
export class EslConnection implements EventSink {
  private readonly parser = new CommandParser();
  private readonly queue: ClientCommand[] = [];
  private busy = false;
  private closed = false;
  private authed: boolean;
  private format: EventFormat = 'plain';
  private eventsOn = false;
  private readonly eventTypes = new Set<string>();
  private readonly subclasses = new Set<string>();
  private myevents = false;
  private filters: Array<[string, string]> = [];
  private pending: EslEvent[] = [];
  private flushScheduled = false;
  private lost = 0;
  private session: Session | undefined;
  private linger: number | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private releaseSession: (() => void) | undefined;
  private readonly outbound: OutboundSetup | undefined;
  private readonly log: Logger;

  constructor(private readonly socket: net.Socket, private readonly ctx: ConnectionContext, outbound?: OutboundSetup) {
    this.outbound = outbound;
    this.authed = outbound !== undefined;
    this.log = ctx.log.child({ esl: outbound ? 'outbound' : 'inbound', remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}` });
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) => this.log.debug({ err }, 'socket error'));
    socket.on('close', () => this.onClosed());
    ctx.engine.bus.add(this);
    ctx.connections.add(this);
    if (outbound) {
      this.session = outbound.session;
      // the socket holds the session: CHANNEL_DESTROY waits until it is gone
      outbound.session.holdDestroy(new Promise<void>((r) => (this.releaseSession = r)));
      void outbound.session.ended.then(() => this.onSessionHangup());
    } else {
      this.write('Content-Type: auth/request\n\n');
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---- output --------------------------------------------------------------------------

  private write(data: string): void {
    if (this.closed || this.socket.destroyed) return;
    this.socket.write(data);
  }

  deliver(ev: EslEvent): void {
    if (this.closed || !this.eventsOn || !this.wants(ev)) return;
    if (this.socket.writableLength > MAX_BUFFERED_BYTES) {
      // a client that never reads: drop events, then give up on it like MAX_MISSED
      if (++this.lost > MAX_MISSED) {
        this.log.warn('client is not reading; closing');
        this.socket.destroy();
      }
      return;
    }
    this.pending.push(ev);
    this.scheduleFlush();
  }

  private wants(ev: EslEvent): boolean {
    const name = ev.name;
    let send = false;
    if (this.eventTypes.has('ALL')) send = true;
    else if (this.eventTypes.has(name)) send = name !== 'CUSTOM' || !ev.subclass || this.subclasses.has(ev.subclass);
    if (send && this.filters.length) send = this.passesFilters(ev);
    if (send && this.myevents) {
      const uuid = ev.get('Unique-ID');
      if (!uuid || (this.session && uuid !== this.session.uuid)) send = false;
    }
    return send;
  }

  /** mod_event_socket's filter semantics: any positive match sends, a negative (-) match blocks. */
  private passesFilters(ev: EslEvent): boolean {
    let send = false;
    for (const [name, raw] of this.filters) {
      const val = ev.get(name);
      if (val === undefined) continue;
      let pos = true;
      let cmp = raw;
      while (cmp.length && (cmp[0] === '+' || cmp[0] === '-' || cmp[0] === ' ')) {
        if (cmp[0] === '-') pos = false;
        else if (cmp[0] === '+') pos = true;
        cmp = cmp.slice(1);
      }
      if (send && pos) continue;
      let hit: boolean;
      if (raw.startsWith('/')) {
        try {
          hit = new RegExp(cmp.replace(/^\/|\/$/g, '')).test(val);
        } catch {
          hit = false;
        }
      } else {
        hit = val.toLowerCase() === cmp.toLowerCase();
      }
      if (hit) {
        if (pos) send = true;
        else return false;
      }
    }
    return send;
  }

  private scheduleFlush(): void {
    if (this.busy || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.busy) this.flushEvents();
    });
  }

  private flushEvents(): void {
    const evs = this.pending;
    this.pending = [];
    for (const ev of evs) this.write(eventFrame(ev, this.format));
  }

  // ---- input ---------------------------------------------------------------------------

  private onData(d: Buffer): void {
    let cmds: ClientCommand[];
    try {
      cmds = this.parser.push(d);
    } catch (err) {
      this.log.warn({ err }, 'unparseable input');
      return;
    }
    for (const c of cmds) {
      if (this.ctx.stalled()) {
        this.log.debug({ command: c.command }, 'stalled: command swallowed');
        continue;
      }
      this.queue.push(c);
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.closed) {
        const cmd = this.queue.shift() as ClientCommand;
        try {
          await this.handle(cmd);
        } catch (err) {
          this.log.error({ err, command: cmd.command }, 'command failed');
          this.reply('-ERR command parse error.');
        }
        // events queued while the command ran go out after its reply
        this.flushEvents();
      }
    } finally {
      this.busy = false;
    }
    this.flushEvents();
  }

  private reply(text: string, extra: Array<[string, string]> = []): void {
    this.write(commandReplyFrame(text, extra));
  }

  /** parse_command, in the same order of checks as mod_event_socket.c. */
  private async handle(c: ClientCommand): Promise<void> {
    const line = c.command;
    const lower = line.toLowerCase();
    if (lower.startsWith('exit') || line.startsWith('...')) {
      this.reply('+OK bye');
      this.close();
      return;
    }
    if (!this.authed) {
      if (lower.startsWith('auth ')) {
        if (line.slice(5) === this.ctx.password) {
          this.authed = true;
          this.reply('+OK accepted');
        } else {
          this.reply('-ERR invalid');
          this.close();
        }
        return;
      }
      this.reply('-ERR command not found');
      return;
    }
    if (lower.startsWith('filter ')) return this.filterCommand(line.slice(7));
    const sess = this.session;
    if (sess && lower.startsWith('resume')) {
      sess.channel.setVar('socket_resume', 'true');
      return this.reply('+OK');
    }
    if (this.outbound && lower.startsWith('connect')) return this.connectCommand();
    if (sess && lower.startsWith('getvar')) {
      const sp = line.indexOf(' ');
      return this.reply(sp > 0 ? (sess.channel.getVar(line.slice(sp + 1)) ?? '') : '');
    }
    if ((sess && lower.startsWith('myevents')) || lower.startsWith('myevents ')) return this.myeventsCommand(line);
    if (lower.startsWith('divert_events')) {
      if (!sess) return this.reply('-ERR not controlling a session.');
      const v = line.slice(13).trim();
      if (!v) return this.reply('-ERR missing value.');
      return this.reply(v.toLowerCase() === 'on' ? '+OK events diverted' : '+OK events not diverted');
    }
    if (lower.startsWith('sendmsg')) return this.sendmsgCommand(c);
    if (this.outbound && !this.outbound.full) return this.reply('-ERR command not found');
    if (lower.startsWith('sendevent')) return this.sendeventCommand(c);
    if (lower.startsWith('api ')) return this.apiCommand(line.slice(4));
    if (lower.startsWith('bgapi ')) return this.bgapiCommand(line.slice(6), c);
    if (lower.startsWith('log')) {
      const lvl = line.slice(3).trim() || 'debug';
      return this.reply(`+OK log level ${lvl} [7]`);
    }
    if (lower.startsWith('linger')) {
      if (!sess) return this.reply('-ERR not controlling a session');
      const arg = line.slice(6);
      this.linger = arg.startsWith(' ') && arg.length > 1 ? parseInt(arg.slice(1), 10) || 0 : -1;
      return this.reply(this.linger === -1 ? '+OK will linger' : `+OK will linger ${this.linger} seconds`);
    }
    if (lower.startsWith('nolinger')) {
      if (!sess) return this.reply('-ERR not controlling a session');
      this.linger = undefined;
      return this.reply('+OK will not linger');
    }
    if (lower.startsWith('nolog')) return this.reply('-ERR not loging');
    if (lower.startsWith('event')) return this.eventCommand(line);
    if (lower.startsWith('nixevent')) return this.nixeventCommand(line);
    if (lower.startsWith('noevents')) {
      this.pending = [];
      if (!this.eventsOn) return this.reply('-ERR not listening for events');
      this.eventsOn = false;
      this.eventTypes.clear();
      this.subclasses.clear();
      return this.reply('+OK no longer listening for events');
    }
    this.reply('-ERR command not found');
  }

  private filterCommand(rest: string): void {
    const parts = rest.replace(/^ +/, '');
    const sp = parts.indexOf(' ');
    let name = sp < 0 ? parts : parts.slice(0, sp);
    let value: string | undefined = sp < 0 ? undefined : parts.slice(sp + 1);
    if (name.toLowerCase() === 'delete' && value !== undefined) {
      const sp2 = value.indexOf(' ');
      name = sp2 < 0 ? value : value.slice(0, sp2);
      const v = sp2 < 0 ? undefined : value.slice(sp2 + 1);
      if (name.toLowerCase() === 'all') this.filters = [];
      else this.filters = this.filters.filter(([k, fv]) => !(k.toLowerCase() === name.toLowerCase() && (v === undefined || fv === v)));
      return this.reply(`+OK filter deleted. [${name}][${v ?? '(null)'}]`);
    }
    if (value === undefined) return this.reply('-ERR invalid syntax');
    if (name.toLowerCase() === 'add') {
      const sp2 = value.indexOf(' ');
      if (sp2 < 0) return this.reply('-ERR invalid syntax');
      name = value.slice(0, sp2);
      value = value.slice(sp2 + 1);
    }
    this.filters.push([name, value]);
    this.reply(`+OK filter added. [${name}]=[${value}]`);
  }

  private subscribe(names: string[]): void {
    for (const n of names) this.eventTypes.add(n);
  }

  private eventCommand(line: string): void {
    const sp = line.indexOf(' ');
    const tokens = sp < 0 ? [] : line.slice(sp + 1).split(' ');
    let keys = 0;
    let custom = false;
    tokens.forEach((tok, i) => {
      if (i === 0) {
        const f = tok.toLowerCase();
        if (f === 'xml' || f === 'plain' || f === 'json') {
          // switched even if the rest fails: the NOT_A_REAL_EVENT quirk
          this.format = f;
          return;
        }
      }
      if (custom) {
        this.subclasses.add(tok);
        return;
      }
      const n = nameEvent(tok);
      if (!n) return;
      keys++;
      this.eventTypes.add(n);
      if (n === 'CUSTOM') custom = true;
    });
    if (!keys) return this.reply('-ERR no keywords supplied');
    this.eventsOn = true;
    this.reply(`+OK event listener enabled ${this.format}`);
  }

  private nixeventCommand(line: string): void {
    const sp = line.indexOf(' ');
    const tokens = sp < 0 ? [] : line.slice(sp + 1).split(' ');
    let keys = 0;
    let custom = false;
    for (const tok of tokens) {
      if (custom) {
        this.subclasses.delete(tok);
        continue;
      }
      const n = nameEvent(tok);
      if (!n) continue;
      keys++;
      if (n === 'CUSTOM') custom = true;
      else if (n === 'ALL') this.eventTypes.clear();
      else this.eventTypes.delete(n);
    }
    if (!keys) return this.reply('-ERR no keywords supplied');
    this.eventsOn = true;
    this.reply('+OK events nixed');
  }

  private myeventsCommand(line: string): void {
    if (this.myevents) return this.reply('-ERR aready enabled.');
    if (!this.session) {
      const rest = line.slice(9).trim().split(' ');
      const s = this.ctx.engine.session(rest[0] ?? '');
      if (!s) return this.reply('-ERR invalid uuid');
      this.session = s;
      const fmt = rest[1]?.toLowerCase();
      if (fmt === 'xml' || fmt === 'plain' || fmt === 'json') this.format = fmt;
    }
    this.subscribe(MYEVENTS);
    this.myevents = true;
    this.eventsOn = true;
    if (/xml/i.test(line)) this.format = 'xml';
    if (/json/i.test(line)) this.format = 'json';
    this.reply('+OK Events Enabled');
  }

  private sendmsgCommand(c: ClientCommand): void {
    let uuid: string | undefined = c.command.slice(7).trim() || header(c, 'session-id');
    if (uuid && this.session && uuid === this.session.uuid) uuid = undefined;
    const target = uuid ? this.ctx.engine.session(uuid) : this.session;
    if (!target) return this.reply(`-ERR invalid session id [${uuid ?? '(null)'}]`);
    const cmd = (header(c, 'call-command') ?? '').toLowerCase();
    if (cmd === 'execute') {
      const app = header(c, 'execute-app-name') ?? '';
      const arg = header(c, 'execute-app-arg') ?? c.body ?? '';
      const loops = Math.max(1, parseInt(header(c, 'loops') ?? '1', 10) || 1);
      target.queuePrivate({ kind: 'execute', call: { app, arg, appUuid: header(c, 'Event-UUID') }, loops });
    } else if (cmd === 'hangup') {
      target.queuePrivate({ kind: 'hangup', cause: header(c, 'hangup-cause') ?? 'NORMAL_CLEARING' });
    }
    this.reply('+OK');
  }

  private sendeventCommand(c: ClientCommand): void {
    const uuid = randomUUID();
    const name = c.command.slice(9).trim();
    const ev = this.ctx.engine.bus.create(nameEvent(name) ?? 'CUSTOM', ORIGIN.api, {
      headers: [...c.headers.filter(([k]) => k.toLowerCase() !== 'content-length'), ['Event-UUID', uuid]],
      body: c.body,
    });
    this.ctx.engine.bus.dispatch(ev);
    this.reply(`+OK ${uuid}`);
  }

  private async apiCommand(rest: string): Promise<void> {
    const sp = rest.indexOf(' ');
    const cmd = sp < 0 ? rest : rest.slice(0, sp);
    const arg = sp < 0 ? undefined : rest.slice(sp + 1);
    const out = await this.ctx.runApi(cmd, arg, this.session);
    this.write(apiResponseFrame(out));
  }

  private bgapiCommand(rest: string, c: ClientCommand): void {
    const sp = rest.indexOf(' ');
    const cmd = sp < 0 ? rest : rest.slice(0, sp);
    const arg = sp < 0 ? undefined : rest.slice(sp + 1);
    const jobUuid = header(c, 'Job-UUID') ?? randomUUID();
    this.reply(`+OK Job-UUID: ${jobUuid}`, [['Job-UUID', jobUuid]]);
    const engine = this.ctx.engine;
    void this.ctx.runApi(cmd, arg, this.session).then((out) => {
      engine.bus.fire('BACKGROUND_JOB', ORIGIN.backgroundJob, {
        headers: arg !== undefined ? [['Job-UUID', jobUuid], ['Job-Command', cmd], ['Job-Command-Arg', arg]] : [['Job-UUID', jobUuid], ['Job-Command', cmd]],
        body: out.length ? out : 'Command returned no output!',
      });
    });
  }

  /** The outbound `connect` reply: one header block, channel data URL-encoded, no Content-Length. */
  private connectCommand(): void {
    const ob = this.outbound;
    if (!ob) return;
    const ch = ob.session.channel;
    const ev = this.ctx.engine.bus.create('CHANNEL_DATA', ORIGIN.channelData, {
      headers: [
        ...ch.channelDataHeaders(),
        ['Content-Type', 'command/reply'],
        ['Reply-Text', '+OK\n'],
        ['Socket-Mode', ob.async ? 'async' : 'static'],
        ['Control', ob.full ? 'full' : 'single-channel'],
      ],
    });
    this.write(serializePlain(ev));
    ob.onConnected();
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** The controlled channel hung up: linger, or say goodbye and close. */
  private onSessionHangup(): void {
    if (this.closed || !this.session) return;
    this.flushEvents();
    if (this.linger !== undefined) {
      this.write(lingerFrame(this.session.uuid, this.session.channel.name, this.linger));
      if (this.linger !== -1) {
        // FreeSWITCH checks the deadline with one-second resolution: it closes ~N+1 s later
        this.lingerTimer = this.ctx.engine.clock.after(this.linger * 1000 + 900, () => this.close());
      }
      return;
    }
    // queued events still go out before the goodbye
    setImmediate(() => {
      this.flushEvents();
      this.close();
    });
  }

  /** Sends the disconnect notice and closes (exit, bad auth, end of an outbound session). */
  close(): void {
    if (this.closed) return;
    this.flushEvents();
    this.write(disconnectFrame(this.outbound?.session.uuid));
    this.closed = true;
    this.socket.end();
    this.socket.setTimeout(1000, () => this.socket.destroy());
    this.cleanup();
  }

  /** Tears down without a goodbye (simulator stop). */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
    this.cleanup();
  }

  private onClosed(): void {
    this.closed = true;
    this.cleanup();
  }

  private cleanup(): void {
    this.ctx.engine.bus.remove(this);
    this.ctx.connections.delete(this);
    this.ctx.engine.clock.cancel(this.lingerTimer);
    this.queue.length = 0;
    this.pending = [];
    this.releaseSession?.();
    this.releaseSession = undefined;
  }
}
