import { computePeaks } from './peaks';

function pcm(samples: number[]): Buffer {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => b.writeInt16LE(s, i * 2));
  return b;
}

describe('computePeaks', () => {
  test('largest absolute sample per bucket, scaled to 0..1', () => {
    expect(computePeaks(pcm([0, 100, -32767, 5, 16384, -16384, 0, 0]), 4)).toEqual([0.003, 1, 0.5, 0]);
  });
  test('never more buckets than samples; empty input gives none', () => {
    expect(computePeaks(pcm([1000, -1000]), 10)).toHaveLength(2);
    expect(computePeaks(Buffer.alloc(0), 10)).toEqual([]);
    expect(computePeaks(Buffer.from([1]), 10)).toEqual([]);
  });
});
