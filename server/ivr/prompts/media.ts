/**
 * Audio tools for prompts: ffmpeg converts uploads to what FreeSWITCH plays natively
 * (WAV, 8 kHz, mono, 16-bit PCM), espeak-ng renders text (English, Mandarin). Both run
 * as child processes with arguments (never a shell) and a timeout.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '../../platform/errors';
import { runTool, ToolError, type MediaTools } from '../../platform/media-tools';

export type { MediaTools };

/** The containers prompts are uploaded in, named as ffmpeg's demuxers. */
export type AudioFormat = 'wav' | 'mp3' | 'ogg';

/** The audio container the magic bytes say, or undefined: anything else (a playlist, text, video) is not an accepted upload. */
export function sniffAudio(head: Buffer): AudioFormat | undefined {
  const ascii = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE') return 'wav';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  if (ascii(0, 3) === 'ID3') return 'mp3';
  // An MPEG audio frame header: 11 sync bits, then a layer other than "reserved".
  if (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0 && (head[1]! & 0x06) !== 0) return 'mp3';
  return undefined;
}

/**
 * Converts audio to 8 kHz mono 16-bit WAV with a plain 44-byte header. ffmpeg reads only the
 * named local file, with the demuxer we name: no format probing and no protocols but file and
 * pipe, so an input cannot make it open a URL or another file (HLS/concat playlists).
 */
export async function convertToWav8k(tools: MediaTools, input: { file: string; format: AudioFormat }, output: string): Promise<void> {
  const r = await runTool(tools.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-protocol_whitelist', 'file,pipe', '-f', input.format, '-i', `file:${input.file}`, '-vn', '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:a', '+bitexact', '-ac', '1', '-ar', '8000', '-c:a', 'pcm_s16le', '-f', 'wav', output], { pkg: 'ffmpeg' });
  if (r.code !== 0) {
    fs.rmSync(output, { force: true });
    throw new ValidationError(`The audio could not be converted: ${r.stderr.trim().split('\n').pop() ?? 'ffmpeg failed'}`, [{ path: 'file', message: 'not a readable wav, mp3 or ogg file' }]);
  }
}

const VOICES: Record<'en' | 'zh', string> = { en: 'en', zh: 'cmn' };

/** Renders text with espeak-ng (text on stdin: nothing in it can become an option), then to 8 kHz WAV. */
export async function renderSpeech(tools: MediaTools, text: string, lang: 'en' | 'zh', output: string): Promise<void> {
  const tmp = path.join(os.tmpdir(), `hotline-tts-${crypto.randomBytes(8).toString('hex')}.wav`);
  try {
    const r = await runTool(tools.espeak, ['-v', VOICES[lang], '-s', lang === 'zh' ? '150' : '160', '-w', tmp, '--stdin'], { pkg: 'espeak-ng', stdin: text });
    if (r.code !== 0 || !fs.existsSync(tmp)) throw new ToolError(tools.espeak, `espeak-ng failed: ${r.stderr.trim()}`);
    await convertToWav8k(tools, { file: tmp, format: 'wav' }, output);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Duration of a PCM WAV from its fmt and data chunks. */
export function wavDurationMs(file: string): number {
  const buf = fs.readFileSync(file);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return 0;
  let pos = 12;
  let byteRate = 16000;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('ascii', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    if (id === 'fmt ') byteRate = buf.readUInt32LE(pos + 16);
    if (id === 'data') return Math.round((Math.min(size, buf.length - pos - 8) / byteRate) * 1000);
    pos += 8 + size + (size % 2);
  }
  return 0;
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
