import fs from 'node:fs';
import path from 'node:path';
import { readWavInfo } from './wav';

/**
 * What playback would play, and for how long. FreeSWITCH resolves relative paths
 * against its sounds directory; `silence_stream://N`, `tone_stream://...` and
 * `local_stream://...` are virtual sources.
 */
export type Playable =
  | { kind: 'file'; path: string; durationMs: number }
  | { kind: 'stream'; durationMs: number; endless: boolean }
  | { kind: 'missing'; path: string };

/** Fixed durations for sources the simulator cannot measure. */
const SAY_MS = 1500;
const TONE_MS = 1000;
const UNKNOWN_FORMAT_MS = 2000;

export function resolvePlayable(spec: string, soundsDir: string): Playable {
  const s = spec.trim();
  if (s.startsWith('silence_stream://')) {
    const n = parseInt(s.slice('silence_stream://'.length), 10);
    // silence_stream://-1 (or 0) plays until interrupted
    if (!Number.isFinite(n) || n <= 0) return { kind: 'stream', durationMs: 0, endless: true };
    return { kind: 'stream', durationMs: n, endless: false };
  }
  if (s.startsWith('local_stream://')) return { kind: 'stream', durationMs: 0, endless: true };
  if (s.startsWith('tone_stream://')) {
    // loops=-1 (;loops=-1 or L=-1) repeats forever
    const endless = /loops=-1|L=-1/.test(s);
    return { kind: 'stream', durationMs: TONE_MS, endless };
  }
  if (s.startsWith('say:') || s.startsWith('phrase:')) return { kind: 'stream', durationMs: SAY_MS, endless: false };
  if (/^[a-z_]+:\/\//.test(s) && !s.startsWith('file://')) return { kind: 'stream', durationMs: UNKNOWN_FORMAT_MS, endless: false };
  const p = s.startsWith('file://') ? s.slice(7) : s;
  const full = path.isAbsolute(p) ? p : path.join(soundsDir, p);
  if (!fs.existsSync(full)) return { kind: 'missing', path: full };
  const info = readWavInfo(full);
  return { kind: 'file', path: full, durationMs: info ? info.durationMs : UNKNOWN_FORMAT_MS };
}
