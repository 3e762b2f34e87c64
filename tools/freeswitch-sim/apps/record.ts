import fs from 'node:fs';
import path from 'node:path';
import type { Engine } from '../core/engine';
import { ORIGIN } from '../core/origins';
import type { AppImpl, Session } from '../core/session';
import { writeToneWav } from '../media/wav';

/**
 * Recording writes real PCM WAV files (a quiet tone, stereo when RECORD_STEREO=true)
 * of the simulated duration, so the media pipeline downstream has something real.
 * record_session / uuid_record attach a media bug (MEDIA_BUG_START/STOP around
 * RECORD_START/STOP); the record app records in the foreground. uuid_record mask/unmask
 * and pause/resume fire no event (p_uuid_record_mask_pause.txt): masked time stays in the
 * file as silence, paused time is left out.
 */
export function recordingPath(engine: Engine, file: string): string {
  const p = file.trim();
  return path.isAbsolute(p) ? p : path.join(engine.opts.recordingsDir, p);
}

function writeRecording(engine: Engine, s: Session, file: string, ms: number): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const stereo = (s.channel.getVar('RECORD_STEREO') ?? '').toLowerCase() === 'true';
    const frames = writeToneWav(file, ms, { channels: stereo ? 2 : 1 });
    s.channel.setVar('record_ms', String(ms));
    s.channel.setVar('record_seconds', String(Math.floor(ms / 1000)));
    s.channel.setVar('record_samples', String(frames));
  } catch (err) {
    engine.log.error({ err, file }, 'cannot write recording');
  }
}

function simElapsed(engine: Engine, startedMs: number): number {
  return Math.max(0, Math.round((Date.now() - startedMs) * engine.clock.speed));
}

/** Starts a session recording media bug; false when one already records to `file`. */
export function startSessionRecording(engine: Engine, s: Session, file: string, limitSec?: number): boolean {
  if (s.mediaBugs.has(file)) return false;
  const ch = s.channel;
  const started = Date.now();
  const bugHeaders: Array<[string, string]> = [['Media-Bug-Function', 'session_record'], ['Media-Bug-Target', file]];
  let limitTimer: NodeJS.Timeout | undefined;
  let masked = false;
  // SMBF_PAUSE: paused frames are not written (the file is shorter); SMBF_MASK writes silence (same length)
  let pausedSince: number | undefined;
  let pausedMs = 0;
  const bug = {
    masked: (): boolean => masked,
    setMask: (m: boolean): void => {
      masked = m;
    },
    setPaused: (p: boolean): void => {
      if (p && pausedSince === undefined) pausedSince = Date.now();
      if (!p && pausedSince !== undefined) {
        pausedMs += simElapsed(engine, pausedSince);
        pausedSince = undefined;
      }
    },
    stop: (cause: string): Promise<void> => {
      if (!s.mediaBugs.has(file)) return Promise.resolve();
      s.mediaBugs.delete(file);
      engine.clock.cancel(limitTimer);
      bug.setPaused(false);
      writeRecording(engine, s, file, Math.max(0, simElapsed(engine, started) - pausedMs));
      ch.fire('RECORD_STOP', ORIGIN.recordStop, { suffix: [['Record-File-Path', file], ['Record-Completion-Cause', cause]] });
      ch.fire('MEDIA_BUG_STOP', ORIGIN.mediaBugStop, { prefix: bugHeaders });
      return Promise.resolve();
    },
  };
  s.mediaBugs.set(file, bug);
  ch.fire('RECORD_START', ORIGIN.recordStart, { suffix: [['Record-File-Path', file]] });
  ch.fire('MEDIA_BUG_START', ORIGIN.mediaBugStart, { prefix: bugHeaders });
  if (limitSec && limitSec > 0) limitTimer = engine.clock.after(limitSec * 1000, () => void bug.stop('success-maxtime'));
  return true;
}

export function recordApps(engine: Engine): Record<string, AppImpl> {
  return {
    record_session: (s, arg) => {
      const [file, limit] = arg.trim().split(/\s+/);
      if (file) startSessionRecording(engine, s, recordingPath(engine, file), limit ? parseInt(limit, 10) : undefined);
      return Promise.resolve();
    },
    stop_record_session: async (s, arg) => {
      const target = arg.trim();
      const files = target === 'all' || !target ? [...s.mediaBugs.keys()] : [recordingPath(engine, target)];
      for (const f of files) await s.mediaBugs.get(f)?.stop('success');
    },
    /** record <path> [<time_limit_secs>] [<silence_thresh>] [<silence_hits>] */
    record: async (s, arg, signal) => {
      const [f, limit] = arg.trim().split(/\s+/);
      if (!f) return;
      const file = recordingPath(engine, f);
      const ch = s.channel;
      const limitMs = (parseInt(limit ?? '', 10) || 0) * 1000;
      const terminators = ch.getVar('playback_terminators') ?? '*#';
      ch.fire('RECORD_START', ORIGIN.recordStart, { suffix: [['Record-File-Path', file]] });
      const started = Date.now();
      const stop = new AbortController();
      signal.addEventListener('abort', () => stop.abort(), { once: true });
      let cause = 'success';
      const watch = async (): Promise<void> => {
        while (!stop.signal.aborted) {
          await s.digitArrived(stop.signal);
          const d = s.takeDtmf();
          if (d !== undefined && (terminators === 'any' || terminators.includes(d))) {
            ch.setVar('playback_terminator_used', d);
            stop.abort();
          }
        }
      };
      void watch();
      if (limitMs > 0) {
        const full = await engine.clock.sleep(limitMs, stop.signal);
        if (full) cause = 'success-maxtime';
      } else {
        await new Promise<void>((r) => (stop.signal.aborted ? r() : stop.signal.addEventListener('abort', () => r(), { once: true })));
      }
      stop.abort();
      writeRecording(engine, s, file, simElapsed(engine, started));
      ch.fire('RECORD_STOP', ORIGIN.recordStop, { suffix: [['Record-File-Path', file], ['Record-Completion-Cause', cause]] });
    },
  };
}
