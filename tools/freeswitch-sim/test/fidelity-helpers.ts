import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeToneWav } from '../media/wav';
import type { Fixture, FixtureRecord } from './fixtures';
import { recordFrame } from './fixtures';
import { eventHeaders, type Frame } from './raw-client';

/** A temp world that looks like the capture machine: its prompts (same durations), recordings dir and dialplan. */
export interface CaptureEnv {
  root: string;
  soundsDir: string;
  recDir: string;
  dialplanDir: string;
  globals: Record<string, string>;
  /** Rewrites the capture machine's paths in a command to the temp ones. */
  rewrite: (s: string) => string;
  cleanup: () => void;
}

/** Prompt durations as the fixtures show them (PLAYBACK_START..STOP, playback_ms). */
const PROMPTS: Record<string, number> = { 'welcome.wav': 1795, 'enter.wav': 3400, 'thanks.wav': 2860, 'goodbye.wav': 840, 'hold.wav': 1040 };

export function captureEnv(socket = '127.0.0.1:1'): CaptureEnv {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-sim-fidelity-'));
  const soundsDir = path.join(root, 'sounds');
  const recDir = path.join(root, 'fsrec');
  fs.mkdirSync(path.join(soundsDir, 'custom'), { recursive: true });
  fs.mkdirSync(recDir, { recursive: true });
  for (const [f, ms] of Object.entries(PROMPTS)) writeToneWav(path.join(soundsDir, 'custom', f), ms);
  return {
    root,
    soundsDir,
    recDir,
    dialplanDir: path.join(__dirname, 'capture-dialplan'),
    globals: { fixture_sounds: soundsDir, fixture_recordings: recDir, fixture_socket: socket },
    rewrite: (s) => s.split('/srv/freeswitch/share/freeswitch/sounds').join(soundsDir).split('/var/fsrec').join(recDir),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

export interface SimpleEvent {
  name: string;
  uuid: string | undefined;
  headers: Array<[string, string | string[]]>;
  body: string | undefined;
}

export function isEventFrame(f: Frame): boolean {
  return (f.headers.get('Content-Type') ?? '').startsWith('text/event-');
}

export function toEvent(f: Frame): SimpleEvent {
  const headers = eventHeaders(f);
  const get = (k: string): string | undefined => {
    const v = headers.find(([n]) => n === k)?.[1];
    return Array.isArray(v) ? v[0] : v;
  };
  const sub = get('Event-Subclass');
  let body: string | undefined = get('_body');
  if (f.headers.get('Content-Type') === 'text/event-plain') {
    const i = f.body.indexOf('\n\n');
    body = i >= 0 && i + 2 < f.body.length ? f.body.slice(i + 2) : undefined;
  }
  return { name: (get('Event-Name') ?? '') + (sub ? `:${sub}` : ''), uuid: get('Unique-ID'), headers, body };
}

export function fixtureFrames(fx: Fixture, from = 0, to = Infinity): Frame[] {
  return fx.records.slice(from, to).filter((r) => r.dir === '<<').map(recordFrame);
}

export function fixtureEvents(fx: Fixture): SimpleEvent[] {
  return fixtureFrames(fx).filter(isEventFrame).map(toEvent);
}

/** A frame that answers a command (everything except events, auth/request and disconnect notices). */
export function isReply(f: Frame): boolean {
  const ct = f.headers.get('Content-Type');
  if (ct === 'command/reply' || ct === 'api/response') return true;
  return f.raw.startsWith('Event-Name: CHANNEL_DATA\n');
}

/** Commands the client sent and, FIFO, the replies FreeSWITCH gave. */
export function fixtureExchanges(fx: Fixture): Array<{ command: string; reply: Frame | undefined }> {
  const commands = fx.records.filter((r) => r.dir === '>>').map((r) => r.data);
  const replies = fx.records.filter((r) => r.dir === '<<').map(recordFrame).filter(isReply);
  return commands.map((command, i) => ({ command, reply: replies[i] }));
}

/** Masks what legitimately differs between runs: uuids, numbers, dates. */
export function normalize(s: string): string {
  return s
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<UUID>')
    .replace(/\d+/g, '<N>');
}

/** A reply's shape: content type, Reply-Text / body normalised. */
export function replyShape(f: Frame | undefined): string {
  if (!f) return '(none)';
  if (f.raw.startsWith('Event-Name: CHANNEL_DATA\n')) return 'CHANNEL_DATA connect reply';
  const ct = f.headers.get('Content-Type') ?? '';
  if (ct === 'command/reply') {
    const extra = [...f.headers.keys()].filter((k) => k !== 'Content-Type' && k !== 'Reply-Text');
    return normalize(`${ct} | ${f.headers.get('Reply-Text') ?? ''} | ${extra.join(',')}`);
  }
  const body = f.body.trim();
  if (body.startsWith('{') || body.startsWith('[')) {
    // JSON bodies (show channels as json, json_list): compare the structure, not the values
    try {
      return `${ct} | ${JSON.stringify(jsonShape(JSON.parse(body)))}`;
    } catch {
      // not JSON after all: compare as text
    }
  }
  return normalize(`${ct} | ${f.body}`);
}

function jsonShape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [jsonShape(v[0])] : [];
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonShape(x)]));
  return typeof v;
}

/** Unique-IDs in the order their channels first show up. */
export function uuidOrder(events: SimpleEvent[]): string[] {
  const seen: string[] = [];
  for (const e of events) if (e.uuid && !e.name.startsWith('CUSTOM') && !seen.includes(e.uuid)) seen.push(e.uuid);
  return seen;
}

/** An event's name, with the state it reports for CHANNEL_STATE / CHANNEL_CALLSTATE. */
export function eventKey(e: SimpleEvent): string {
  const get = (k: string): string => String(e.headers.find(([n]) => n === k)?.[1] ?? '');
  if (e.name === 'CHANNEL_STATE') return `CHANNEL_STATE:${get('Channel-State')}`;
  if (e.name === 'CHANNEL_CALLSTATE') return `CHANNEL_CALLSTATE:${get('Channel-Call-State')}`;
  return e.name;
}

/**
 * Orders that vary between real FreeSWITCH runs (thread races), folded to one form:
 *  - a uuid_bridge'd B leg sometimes passes CS_CONSUME_MEDIA on its way to CS_EXCHANGE_MEDIA (b vs d);
 *  - on unhold, CHANNEL_UNHOLD and the ACTIVE call state come in either order (c: `off` vs `toggle`);
 *  - a loopback b half whose other half hung up ends its application before or after its own
 *    CHANNEL_HANGUP (n and o: before; p: after).
 */
export function foldRaces(keys: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (k === 'CHANNEL_STATE:CS_CONSUME_MEDIA' && keys[i + 1] === 'CHANNEL_STATE:CS_EXCHANGE_MEDIA') continue;
    if (k === 'CHANNEL_EXECUTE_COMPLETE' && keys[i + 1] === 'CHANNEL_HANGUP') {
      out.push('CHANNEL_HANGUP', k);
      i++;
      continue;
    }
    if (k === 'CHANNEL_CALLSTATE:ACTIVE' && keys[i + 1] === 'CHANNEL_UNHOLD') {
      out.push('CHANNEL_UNHOLD', k);
      i++;
      continue;
    }
    out.push(k);
  }
  return out;
}

export function namesPerChannel(events: SimpleEvent[], keep: (name: string) => boolean): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const e of events) {
    if (!e.uuid || !keep(e.name)) continue;
    const list = m.get(e.uuid) ?? [];
    list.push(eventKey(e));
    m.set(e.uuid, list);
  }
  for (const [k, v] of m) m.set(k, foldRaces(v));
  return m;
}

/** Header names every occurrence of `name` carries in the fixture (variables excluded). */
export function coreHeaderNames(events: SimpleEvent[], name: string): string[] {
  let core: Set<string> | undefined;
  for (const e of events.filter((x) => x.name === name)) {
    const names = new Set(e.headers.map(([k]) => k).filter((k) => !k.startsWith('variable_')));
    core = core ? new Set([...core].filter((k) => names.has(k))) : names;
  }
  return [...(core ?? [])];
}

export function recordsBetween(fx: Fixture, pred: (r: FixtureRecord) => boolean): FixtureRecord[] {
  return fx.records.filter(pred);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
