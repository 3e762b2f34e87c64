import fs from 'node:fs';

/**
 * What the simulated switch "plays" to a WebRTC leg: 16-bit mono PCM frames at the
 * rate the negotiated codec needs (8 kHz for PCMU, 48 kHz for opus). A prompt file
 * (PCM WAV, any rate) loops; without one it is a 400 Hz tone, 1 s on, 1 s off, so a
 * person can hear that media flows.
 */
export interface AudioSource {
  /** The next `samples` samples at `rate` Hz. */
  next(rate: number, samples: number): Int16Array;
}

export function toneSource(freq = 400, amplitude = 6000): AudioSource {
  let t = 0;
  return {
    next(rate, samples) {
      const out = new Int16Array(samples);
      for (let i = 0; i < samples; i++, t += 1 / rate) {
        const on = Math.floor(t) % 2 === 0;
        out[i] = on ? Math.round(amplitude * Math.sin(2 * Math.PI * freq * t)) : 0;
      }
      return out;
    },
  };
}

/** Loops the PCM of a WAV file (first channel), resampled linearly; undefined when the file is not 16-bit PCM WAV. */
export function wavSource(file: string): AudioSource | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let off = 12;
  let fmt: { channels: number; rate: number; bits: number; format: number } | undefined;
  let pcm: Int16Array | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const len = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { format: buf.readUInt16LE(off + 8), channels: buf.readUInt16LE(off + 10), rate: buf.readUInt32LE(off + 12), bits: buf.readUInt16LE(off + 22) };
    if (id === 'data' && fmt) {
      const end = Math.min(buf.length, off + 8 + (len === 0 || len === 0xffffffff ? buf.length : len));
      const frames = Math.floor((end - off - 8) / (2 * fmt.channels));
      pcm = new Int16Array(frames);
      for (let i = 0; i < frames; i++) pcm[i] = buf.readInt16LE(off + 8 + i * 2 * fmt.channels);
      break;
    }
    off += 8 + len + (len % 2);
  }
  if (!fmt || !pcm || fmt.format !== 1 || fmt.bits !== 16 || pcm.length === 0) return undefined;
  const src = pcm;
  const srcRate = fmt.rate;
  let pos = 0; // in source samples
  return {
    next(rate, samples) {
      const out = new Int16Array(samples);
      const step = srcRate / rate;
      for (let i = 0; i < samples; i++, pos += step) {
        if (pos >= src.length) pos -= src.length;
        const i0 = Math.floor(pos);
        const frac = pos - i0;
        const a = src[i0] ?? 0;
        const b = src[(i0 + 1) % src.length] ?? 0;
        out[i] = Math.round(a + (b - a) * frac);
      }
      return out;
    },
  };
}

/** G.711 μ-law (PCMU), ITU-T G.711 with the usual bias of 0x84. */
export function ulawEncode(pcm: Int16Array): Buffer {
  const out = Buffer.alloc(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    let s = pcm[i] ?? 0;
    const sign = s < 0 ? 0x80 : 0;
    if (s < 0) s = -s;
    s = Math.min(s, 32635) + 0x84;
    let exp = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
    const mant = (s >> (exp + 3)) & 0x0f;
    out[i] = ~(sign | (exp << 4) | mant) & 0xff;
  }
  return out;
}
