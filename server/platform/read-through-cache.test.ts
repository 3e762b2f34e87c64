import { ReadThroughCache } from './read-through-cache';

describe('ReadThroughCache', () => {
  function setup(freshMs = 0) {
    let t = 0;
    const answers: Array<() => Promise<string>> = [];
    let loads = 0;
    const cache = new ReadThroughCache<string, string>({
      load: () => {
        loads++;
        return (answers.shift() ?? (() => Promise.resolve('v')))();
      },
      freshMs,
      budgetMs: 50,
      staleMs: 60_000,
      now: () => t,
    });
    return { cache, answers, advance: (ms: number) => (t += ms), loads: () => loads };
  }

  it('a failed or slow reload serves the last known value; a first load that fails fails', async () => {
    const { cache, answers } = setup();
    answers.push(() => Promise.reject(new Error('db down')));
    await expect(cache.get('4001')).rejects.toThrow('db down');
    answers.push(() => Promise.resolve('flow v1'));
    expect(await cache.get('4001')).toBe('flow v1');
    answers.push(() => Promise.reject(new Error('timeout exceeded when trying to connect')));
    expect(await cache.get('4001')).toBe('flow v1');
    let release!: (v: string) => void;
    answers.push(() => new Promise((r) => (release = r)));
    const t0 = Date.now();
    expect(await cache.get('4001')).toBe('flow v1');
    expect(Date.now() - t0).toBeLessThan(1000);
    release('flow v2'); // the late answer still lands
    await new Promise((r) => setImmediate(r));
    answers.push(() => Promise.reject(new Error('down again')));
    expect(await cache.get('4001')).toBe('flow v2');
  });

  it('within freshMs no query; after it, one load per key at a time; too old stale values are not used', async () => {
    const { cache, answers, advance, loads } = setup(1000);
    expect(await cache.get('k')).toBe('v');
    expect(await cache.get('k')).toBe('v');
    expect(loads()).toBe(1);
    advance(1001);
    await Promise.all([cache.get('k'), cache.get('k')]);
    expect(loads()).toBe(2);
    advance(120_000);
    answers.push(() => Promise.reject(new Error('gone')));
    await expect(cache.get('k')).rejects.toThrow('gone');
  });
});
