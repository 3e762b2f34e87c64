import type { Engine } from '../core/engine';
import { ORIGIN } from '../core/origins';
import type { AppImpl, Session } from '../core/session';
import { resolvePlayable } from '../media/files';
import type { Header } from '../wire/event';

/**
 * playback, play_and_get_digits and read with switch_ivr_play_file / switch_ivr_read
 * semantics: PLAYBACK_START/STOP around each file, real WAV durations (scaled by the
 * simulator speed), FILE NOT FOUND for missing files, digits interrupting prompts.
 */
export type PlayStatus = 'done' | 'break' | 'notfound' | 'hangup';

export interface PlayOptions {
  /** Stop when a digit arrives (prompts of play_and_get_digits/read). */
  stopOnDigit?: boolean;
  /** Digits that stop plain playback (the playback_terminators variable). */
  terminators?: string;
}

function fileType(spec: string): string | undefined {
  const m = /^([a-z_]+):\/\//.exec(spec);
  return m && m[1] !== 'file' ? m[1] : undefined;
}

/** Plays one source; resolves with how it ended. */
export async function playOne(engine: Engine, s: Session, spec: string, signal: AbortSignal, opts: PlayOptions = {}): Promise<PlayStatus> {
  const src = resolvePlayable(spec, engine.opts.soundsDir);
  if (src.kind === 'missing') {
    engine.log.info({ uuid: s.uuid, file: src.path }, 'playback: file not found');
    return 'notfound';
  }
  const ch = s.channel;
  const type = fileType(spec);
  const pathHeaders: Header[] = type ? [['Playback-File-Type', type], ['Playback-File-Path', spec]] : [['Playback-File-Path', src.kind === 'file' ? src.path : spec]];
  ch.fire('PLAYBACK_START', ORIGIN.playbackStart, { suffix: pathHeaders });
  const started = Date.now();
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let byDigit = false;
  const digitWatch = opts.stopOnDigit || opts.terminators ? new AbortController() : undefined;
  if (digitWatch) {
    const watch = async (): Promise<void> => {
      while (!digitWatch.signal.aborted) {
        await s.digitArrived(digitWatch.signal);
        if (digitWatch.signal.aborted) return;
        if (opts.stopOnDigit) {
          byDigit = true;
          stop.abort();
          return;
        }
        const d = s.takeDtmf();
        if (d !== undefined && opts.terminators && (opts.terminators === 'any' || opts.terminators.includes(d))) {
          byDigit = true;
          ch.setVar('playback_terminator_used', d);
          stop.abort();
          return;
        }
      }
    };
    void watch();
  }
  let finished: boolean;
  if (src.kind === 'stream' && src.endless) {
    await new Promise<void>((r) => (stop.signal.aborted ? r() : stop.signal.addEventListener('abort', () => r(), { once: true })));
    finished = false;
  } else {
    finished = await engine.clock.sleep(src.durationMs, stop.signal);
  }
  digitWatch?.abort();
  signal.removeEventListener('abort', onAbort);
  const ms = finished ? src.durationMs : Math.round((Date.now() - started) * engine.clock.speed);
  const samples = Math.round(ms * 8);
  ch.setVar('playback_last_offset_pos', String(samples));
  ch.setVar('playback_seconds', String(Math.floor(ms / 1000)));
  ch.setVar('playback_ms', String(ms));
  ch.setVar('playback_samples', String(samples));
  const status: PlayStatus = finished ? 'done' : !s.up ? 'hangup' : 'break';
  ch.fire('PLAYBACK_STOP', ORIGIN.playbackStop, { suffix: [...pathHeaders, ['Playback-Status', finished ? 'done' : 'break']] });
  return byDigit ? 'break' : status;
}

/** Plays a `!`-separated list (file_string://a!b) or one source. */
export async function playSpec(engine: Engine, s: Session, spec: string, signal: AbortSignal, opts: PlayOptions = {}): Promise<PlayStatus> {
  const list = spec.startsWith('file_string://') ? spec.slice('file_string://'.length).split('!') : [spec];
  let last: PlayStatus = 'done';
  for (const item of list) {
    last = await playOne(engine, s, item, signal, opts);
    if (last !== 'done') return last;
  }
  return last;
}

interface CollectSpec {
  min: number;
  max: number;
  timeoutMs: number;
  digitTimeoutMs: number;
  terminators: string;
}

/** switch_ivr_read's collection loop after (or while) the prompt plays. */
async function collect(engine: Engine, s: Session, spec: CollectSpec, signal: AbortSignal, prefix: string): Promise<{ digits: string; terminator?: string; result: 'success' | 'timeout' | 'failure' }> {
  let digits = '';
  const consume = (d: string): 'more' | 'term' | 'full' => {
    if (spec.terminators.includes(d)) return 'term';
    digits += d;
    return digits.length >= spec.max ? 'full' : 'more';
  };
  for (const d of prefix) {
    const r = consume(d);
    if (r === 'term') return { digits, terminator: d, result: 'success' };
    if (r === 'full') return { digits, result: 'success' };
  }
  for (;;) {
    if (signal.aborted || !s.up) return { digits, result: 'failure' };
    const d = await s.nextDigit(digits.length ? spec.digitTimeoutMs : spec.timeoutMs, signal);
    if (d === undefined) return { digits, result: signal.aborted || !s.up ? 'failure' : 'timeout' };
    const r = consume(d);
    if (r === 'term') return { digits, terminator: d, result: 'success' };
    if (r === 'full') return { digits, result: 'success' };
  }
}

/** Prompt then collect; digits pressed during the prompt stop it and count. */
async function promptAndCollect(engine: Engine, s: Session, file: string, spec: CollectSpec, signal: AbortSignal): Promise<{ digits: string; terminator?: string; result: 'success' | 'timeout' | 'failure' }> {
  if (file && file !== 'silence' && !s.hasDtmf()) await playSpec(engine, s, file, signal, { stopOnDigit: true });
  let prefix = '';
  while (s.hasDtmf()) {
    const d = s.takeDtmf() as string;
    prefix += d;
    if (spec.terminators.includes(d) || prefix.length >= spec.max) break;
  }
  return collect(engine, s, spec, signal, prefix);
}

function safeRegex(src: string): RegExp | undefined {
  if (!src) return undefined;
  try {
    return new RegExp(`^(?:${src})$`);
  } catch {
    return undefined;
  }
}

export function mediaApps(engine: Engine): Record<string, AppImpl> {
  return {
    playback: async (s, arg, signal) => {
      const terminators = s.channel.getVar('playback_terminators');
      const status = await playSpec(engine, s, arg.trim(), signal, { terminators: terminators && terminators !== 'none' ? terminators : undefined });
      s.channel.setVar('current_application_response', status === 'notfound' ? 'FILE NOT FOUND' : 'FILE PLAYED');
    },
    /**
     * play_and_get_digits <min> <max> <tries> <timeout> <terminators> <file> <invalid_file>
     *                     <var_name> <regexp> [<digit_timeout>] [<transfer_on_failure>]
     */
    play_and_get_digits: async (s, arg, signal) => {
      const a = arg.trim().split(/\s+/);
      const min = parseInt(a[0] ?? '0', 10) || 0;
      const max = parseInt(a[1] ?? '1', 10) || 1;
      let tries = parseInt(a[2] ?? '1', 10) || 1;
      const timeoutMs = parseInt(a[3] ?? '5000', 10) || 5000;
      const terminators = a[4] === 'none' ? '' : (a[4] ?? '#');
      const file = a[5] ?? '';
      const invalid = a[6] ?? '';
      const varName = a[7] ?? 'pagd_input';
      const re = safeRegex(a[8] ?? '');
      const digitTimeoutMs = parseInt(a[9] ?? '', 10) || timeoutMs;
      const transferOnFailure = a[10];
      const ch = s.channel;
      while (tries-- > 0 && s.up && !signal.aborted) {
        const r = await promptAndCollect(engine, s, file, { min, max, timeoutMs, digitTimeoutMs, terminators }, signal);
        if (r.terminator) ch.setVar('read_terminator_used', r.terminator);
        ch.setVar('read_result', r.result);
        if (!s.up || signal.aborted) return;
        const ok = r.digits.length >= min && r.digits.length <= max && (!re || re.test(r.digits));
        if (ok && (r.digits.length > 0 || min === 0)) {
          ch.setVar(varName, r.digits);
          return;
        }
        ch.setVar(`${varName}_invalid`, r.digits);
        // the invalid prompt follows every failed try
        if (invalid) await playSpec(engine, s, invalid, signal, { stopOnDigit: true });
      }
      ch.setVar(varName, undefined);
      ch.setVar('read_result', 'failure');
      if (transferOnFailure && s.up) {
        const [dest, dp, ctx] = transferOnFailure.split(' ');
        if (dest) s.transfer({ destination: dest, dialplan: dp ?? 'XML', context: ctx ?? ch.profile.context });
      }
    },
    /** read <min> <max> <sound_file> <variable_name> <timeout> <terminators> */
    read: async (s, arg, signal) => {
      const a = arg.trim().split(/\s+/);
      const min = parseInt(a[0] ?? '0', 10) || 0;
      const max = parseInt(a[1] ?? '1', 10) || 1;
      const file = a[2] ?? '';
      const varName = a[3] ?? 'read_input';
      const timeoutMs = parseInt(a[4] ?? '5000', 10) || 5000;
      const terminators = a[5] ?? '#';
      const r = await promptAndCollect(engine, s, file, { min, max, timeoutMs, digitTimeoutMs: timeoutMs, terminators }, signal);
      if (!s.up) return;
      s.channel.setVar('read_result', r.digits.length >= min ? r.result : 'failure');
      if (r.terminator) s.channel.setVar('read_terminator_used', r.terminator);
      s.channel.setVar(varName, r.digits || undefined);
    },
  };
}
