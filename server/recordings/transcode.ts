import fs from 'node:fs';
import { runTool, ToolError, type MediaTools } from '../platform/media-tools';
import { computePeaks } from './peaks';

export const PEAK_BUCKETS = 800;
/** Peaks and duration are read from an 8 kHz mono decode: plenty for a waveform, cheap to hold. */
const ANALYSIS_RATE = 8000;
/** Transcoding never competes with live calls for the CPU. */
const BACKGROUND_NICENESS = 19;

export interface TranscodeResult {
  durationMs: number;
  channels: number;
  sizeBytes: number;
  peaks: number[];
  mimeType: string;
}

/**
 * Converts a raw FreeSWITCH recording (WAV, stereo: caller left, agent right) to
 * MP3, which every browser plays, keeping the channels apart; then decodes it once
 * to measure the duration and compute waveform peaks. ffmpeg may open local files and
 * pipes only (no network protocols), whatever the input names.
 */
export async function transcodeRecording(tools: MediaTools, input: string, output: string): Promise<TranscodeResult> {
  if (!fs.existsSync(input)) throw new ToolError(tools.ffmpeg, `recording file is missing: ${input}`);
  const channels = wavChannels(input);
  const enc = await runTool(tools.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-protocol_whitelist', 'file,pipe', '-i', input, '-vn', '-c:a', 'libmp3lame', '-q:a', '5', '-ac', String(channels), '-f', 'mp3', output], { pkg: 'ffmpeg', timeoutMs: 300_000, niceness: BACKGROUND_NICENESS });
  if (enc.code !== 0) throw new ToolError(tools.ffmpeg, `ffmpeg could not convert the recording: ${lastLine(enc.stderr)}`);
  const dec = await runTool(tools.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-protocol_whitelist', 'file,pipe', '-i', input, '-vn', '-ac', '1', '-ar', String(ANALYSIS_RATE), '-f', 's16le', '-'], { pkg: 'ffmpeg', captureStdout: true, timeoutMs: 300_000, niceness: BACKGROUND_NICENESS });
  if (dec.code !== 0) throw new ToolError(tools.ffmpeg, `ffmpeg could not decode the recording: ${lastLine(dec.stderr)}`);
  return {
    durationMs: Math.round((dec.stdout.length / 2 / ANALYSIS_RATE) * 1000),
    channels,
    sizeBytes: fs.statSync(output).size,
    peaks: computePeaks(dec.stdout, PEAK_BUCKETS),
    mimeType: 'audio/mpeg',
  };
}

function lastLine(stderr: string): string {
  return stderr.trim().split('\n').pop() || 'unknown error';
}

/** Channel count from the WAV header (1 when the header is not a plain RIFF/WAVE one). */
function wavChannels(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    fs.readSync(fd, head, 0, 64, 0);
    if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 12, 16) !== 'fmt ') return 1;
    return head.readUInt16LE(22) || 1;
  } finally {
    fs.closeSync(fd);
  }
}
