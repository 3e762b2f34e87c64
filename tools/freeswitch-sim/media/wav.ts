import fs from 'node:fs';

/**
 * Just enough RIFF/WAVE to take a prompt's real duration from its header and to write
 * real PCM recordings (a quiet tone plus a little noise) that ffmpeg converts.
 */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  dataBytes: number;
  durationMs: number;
}

/** Reads the fmt and data chunk sizes; undefined for a file that is not a WAV. */
export function readWavInfo(file: string): WavInfo | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 4096));
    fs.readSync(fd, head, 0, head.length, 0);
    if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') return undefined;
    let off = 12;
    let fmt: { sampleRate: number; channels: number; bits: number; byteRate: number } | undefined;
    while (off + 8 <= head.length) {
      const id = head.toString('ascii', off, off + 4);
      const len = head.readUInt32LE(off + 4);
      if (id === 'fmt ' && off + 24 <= head.length) {
        fmt = { channels: head.readUInt16LE(off + 10), sampleRate: head.readUInt32LE(off + 12), byteRate: head.readUInt32LE(off + 16), bits: head.readUInt16LE(off + 22) };
      } else if (id === 'data' && fmt) {
        // a streaming writer may leave the size at 0/0xffffffff: use the real file size then
        const dataBytes = len === 0 || len === 0xffffffff || off + 8 + len > size ? size - off - 8 : len;
        const durationMs = fmt.byteRate > 0 ? Math.round((dataBytes / fmt.byteRate) * 1000) : 0;
        return { sampleRate: fmt.sampleRate, channels: fmt.channels, bitsPerSample: fmt.bits, dataBytes, durationMs };
      }
      off += 8 + len + (len % 2);
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A 16-bit PCM WAV header for `dataBytes` bytes of samples. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/**
 * Writes a complete WAV of `durationMs`: a quiet 440 Hz tone on the left (caller)
 * channel, 660 Hz on the right (the other party), with a little noise so encoders see
 * real audio rather than digital silence.
 */
export function writeToneWav(file: string, durationMs: number, opts: { channels?: number; sampleRate?: number } = {}): number {
  const channels = opts.channels ?? 1;
  const rate = opts.sampleRate ?? 8000;
  const frames = Math.max(0, Math.round((durationMs / 1000) * rate));
  const data = Buffer.alloc(frames * channels * 2);
  let seed = 12345;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed / 0x7fffffff - 0.5) * 200;
  };
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const freq = c === 0 ? 440 : 660;
      const v = Math.round(Math.sin((2 * Math.PI * freq * i) / rate) * 1500 + noise());
      data.writeInt16LE(Math.max(-32768, Math.min(32767, v)), (i * channels + c) * 2);
    }
  }
  fs.writeFileSync(file, Buffer.concat([wavHeader(rate, channels, data.length), data]));
  return frames;
}
