/** Polls an async check on the event loop until it returns a value (no wall-clock assertion; a bound only against hangs). */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, maxMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() - started > maxMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
