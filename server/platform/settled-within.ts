/**
 * Waits for a promise at most ms milliseconds: true when it settled in time (a
 * rejection counts as settled; the caller handles it). For shutdown paths that
 * must not hang on a part that never answers.
 */
export async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    const settled = p.then(
      () => true,
      () => true,
    );
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
