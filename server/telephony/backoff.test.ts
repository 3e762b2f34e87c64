import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5 };
  it('grows exponentially up to the ceiling', () => {
    const top = (n: number): number => backoffDelay(n, policy, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(top)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('jitter keeps the delay within [(1-jitter)·d, d]', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
  });
});
