/**
 * One ACD "server process" for the concurrency tests, run with
 * `node --import tsx test/routing/support/acd-worker.ts`. It has its own Redis
 * connections, Postgres pool, realtime hub and engine, like a real Hotline process.
 *
 * env: DATABASE_URL, REDIS_PREFIX, AGENTS (comma-separated ids), GROUP,
 *      CONTACTS (how many chats to enqueue), MODE: "serve" (accept what it is
 *      offered, sometimes reject, complete soon after) or "hold" (never answer).
 * stdout: JSON lines {"ready":true} then {"enqueued":n}.
 */
import pg from 'pg';
import { startAcd } from './acd';

async function main(): Promise<void> {
  const env = process.env;
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
  const acd = await startAcd({ db, prefix: env.REDIS_PREFIX!, sweepIntervalMs: 25 });
  const { engine } = acd;
  const agents = (env.AGENTS ?? '').split(',').filter(Boolean);
  const serve = env.MODE === 'serve';
  let n = 0;
  engine.setOfferSink('chat', {
    offer(o) {
      if (!serve) return; // "hold": the reservation stays until it expires
      // Reject about one offer in ten, so requeues race with new claims.
      if (n++ % 10 === 3) return engine.reject(o.offerId);
      return engine.accept(o.offerId).then(
        () =>
          new Promise<void>((resolve) => {
            setTimeout(() => {
              engine.complete(o.contactId).then(resolve, resolve);
            }, Math.random() * 5);
          }),
      );
    },
  });
  for (const a of agents) await engine.setPresence(a, { state: 'ready' });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  const count = Number(env.CONTACTS ?? 0);
  // Enqueue concurrently in small bursts, as many callers would.
  for (let i = 0; i < count; i += 10) {
    await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => engine.enqueue({ channel: 'chat', target: { kind: 'group', id: env.GROUP! } })));
  }
  process.stdout.write(`${JSON.stringify({ enqueued: count })}\n`);
  const stop = () => {
    acd
      .close()
      .then(() => db.end())
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
