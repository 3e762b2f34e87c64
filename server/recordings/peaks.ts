/**
 * Waveform peaks for the player: the audio split into `buckets` equal spans, each
 * reduced to its largest absolute sample, scaled to 0..1. Pure, so it is tested
 * without ffmpeg; the transcoder feeds it mono 16-bit little-endian PCM.
 */
export function computePeaks(pcm: Buffer, buckets: number): number[] {
  const samples = Math.floor(pcm.length / 2);
  if (samples === 0 || buckets <= 0) return [];
  const n = Math.min(buckets, samples);
  const peaks = new Array<number>(n).fill(0);
  for (let b = 0; b < n; b++) {
    const start = Math.floor((b * samples) / n);
    const end = Math.floor(((b + 1) * samples) / n);
    let max = 0;
    for (let i = start; i < end; i++) {
      const v = Math.abs(pcm.readInt16LE(i * 2));
      if (v > max) max = v;
    }
    peaks[b] = Math.round((Math.min(max, 32767) / 32767) * 1000) / 1000;
  }
  return peaks;
}
