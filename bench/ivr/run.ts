/**
 * IVR benchmark: many concurrent calls walking a menu flow on the FreeSWITCH simulator,
 * all over real ESL TCP, in one process on this machine (simulator included).
 *
 * Reports calls per second accepted, the peak of calls held in the IVR at once, and the
 * engine's added latency: from the DTMF event arriving on a call's outbound socket to the
 * next command the engine issues for that call (p50/p99). Last line: one JSON object.
 *
 *   npx tsx bench/ivr/run.ts            (BENCH_CALLS=1000 BENCH_RATE=50 BENCH_HOLD_S=20)
 * Needs the test Postgres and Redis (see test/helpers/hotline-under-test.ts).
 */
import { performance } from 'node:perf_hooks';
import { EslCallChannel } from '../../server/ivr/adapters/esl-channel';
import type { IvrCallHandler } from '../../server/ivr/call-handler';
import type { CallChannel, DigitRequest } from '../../server/ivr/engine/ports';
import { CALLS_SERVICE, ivrModule } from '../../server/ivr/module';
import { silentLogger } from '../../server/logging/logger';
import type { HotlineModule } from '../../server/module';
import { EslOutboundServer, type OutboundSession } from '../../server/telephony';
import { header } from '../../server/telephony/wire';
import { startFreeswitchSim } from '../../tools/freeswitch-sim';
import { ApiClient } from '../../test/helpers/api-client';
import { ADMIN, createTestWorld } from '../../test/helpers/hotline-under-test';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const HOLD_S = Number(process.env.BENCH_HOLD_S ?? 20);
const PRESSES = 4;
const NUMBER = '5000';

const MENU_FLOW = {
  name: 'bench-menu',
  language: 'en',
  start: 'menu',
  maxNodeVisits: 100,
  nodes: [
    { id: 'menu', type: 'menu', params: { prompt: { file: 'silence_stream://200' }, timeoutMs: 60_000, retries: 0 }, exits: { '1': 'again', '2': 'bye', invalid: 'bye' } },
    { id: 'again', type: 'play', params: { prompt: { file: 'silence_stream://100' } }, exits: { next: 'menu' } },
    { id: 'bye', type: 'hangup', params: {} },
  ],
};

/** Wraps the ESL channel: the first command after a DTMF event closes a latency sample. */
class TimedChannel implements CallChannel {
  #dtmfAt: number | undefined;
  constructor(
    private readonly inner: CallChannel,
    session: OutboundSession,
    private readonly samples: number[],
    private readonly onPagd: () => void,
  ) {
    session.on('dtmf', () => (this.#dtmfAt = performance.now()));
  }
  #mark(): void {
    if (this.#dtmfAt !== undefined) {
      this.samples.push(performance.now() - this.#dtmfAt);
      this.#dtmfAt = undefined;
    }
  }
  get uuid() {
    return this.inner.uuid;
  }
  get callerNumber() {
    return this.inner.callerNumber;
  }
  get destinationNumber() {
    return this.inner.destinationNumber;
  }
  get hungUp() {
    return this.inner.hungUp;
  }
  answer() {
    this.#mark();
    return this.inner.answer();
  }
  play(files: string[]) {
    this.#mark();
    return this.inner.play(files);
  }
  playAndGetDigits(req: DigitRequest) {
    this.#mark();
    this.onPagd();
    return this.inner.playAndGetDigits(req);
  }
  record(req: Parameters<CallChannel['record']>[0]) {
    this.#mark();
    return this.inner.record(req);
  }
  setVar(name: string, value: string) {
    this.#mark();
    return this.inner.setVar(name, value);
  }
  bridge(d: string, o: { timeoutSec: number }) {
    this.#mark();
    return this.inner.bridge(d, o);
  }
  hangup(cause?: string) {
    this.#mark();
    return this.inner.hangup(cause);
  }
  onHangup(l: (cause: string) => void) {
    return this.inner.onHangup(l);
  }
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const state: { server?: EslOutboundServer; port: number } = { port: 0 };
  const telephony: HotlineModule = {
    name: 'bench-telephony',
    async start() {
      state.server = new EslOutboundServer({ port: 0, logger: silentLogger, session: { executeTimeoutMs: 120_000 } });
      state.port = await state.server.listen();
    },
    async stop() {
      await state.server?.close();
    },
  };
  const world = await createTestWorld({ modules: [telephony, ivrModule({ seedSample: false })] });
  const sim = await startFreeswitchSim({ eslPort: 0, globals: { hotline_socket: `127.0.0.1:${state.port}` }, speed: 1, heartbeatMs: 0 });
  try {
    const api = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
    const flow = await api.post('/api/ivr/flows', { name: MENU_FLOW.name, draft: MENU_FLOW });
    const pub = await api.post(`/api/ivr/flows/${flow.body.id}/publish`, {});
    if (pub.status !== 201) throw new Error(`publish failed: ${JSON.stringify(pub.body)}`);
    await api.put(`/api/ivr/numbers/${NUMBER}`, { flowId: flow.body.id });

    const handler = world.hotline.services.get(CALLS_SERVICE) as IvrCallHandler;
    const samples: number[] = [];
    const pagdWaiters = new Map<string, () => void>();
    let held = 0;
    let peak = 0;
    let failures = 0;
    const ends: Promise<unknown>[] = [];
    state.server!.on('session', (session) => {
      held++;
      peak = Math.max(peak, held);
      const uuid = session.uuid;
      const ch = new TimedChannel(new EslCallChannel(session), session, samples, () => pagdWaiters.get(uuid)?.());
      ends.push(
        handler
          .handle(ch)
          .then((r) => {
            if (!r || r.end !== 'completed') failures++;
          })
          .catch(() => failures++)
          .finally(() => held--),
      );
    });
    // Wait for the n-th play_and_get_digits of a call (sent by the engine).
    const pagdCount = new Map<string, number>();
    state.server!.on('session', (session) => {
      session.on('event', (ev) => {
        if (ev.name === 'CHANNEL_EXECUTE' && header(ev, 'Application') === 'play_and_get_digits') {
          pagdCount.set(session.uuid, (pagdCount.get(session.uuid) ?? 0) + 1);
          pagdWaiters.get(session.uuid)?.();
        }
      });
    });
    const untilPagd = (uuid: string, n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if ((pagdCount.get(uuid) ?? 0) >= n) {
            pagdWaiters.delete(uuid);
            resolve();
          }
        };
        pagdWaiters.set(uuid, check);
        check();
      });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const gap = HOLD_S * 1000 / (PRESSES + 1);
    const caller = async (i: number) => {
      const call = await sim.placeCall({ from: `1380000${String(i).padStart(4, '0')}`, to: NUMBER });
      for (let k = 1; k <= PRESSES + 1; k++) {
        await untilPagd(call.uuid, k);
        await sleep(gap);
        await call.pressDtmf(k <= PRESSES ? '1' : '2');
      }
      await call.waitForEnd(60_000);
    };

    const t0 = performance.now();
    const callers: Promise<void>[] = [];
    for (let i = 0; i < CALLS; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      callers.push(caller(i).catch(() => void failures++));
    }
    const acceptedS = (performance.now() - t0) / 1000;
    await Promise.all(callers);
    await Promise.all(ends);
    const sorted = [...samples].sort((a, b) => a - b);
    const result = {
      concurrent_calls: peak,
      calls_per_s: Math.round((CALLS / acceptedS) * 10) / 10,
      p50_ms: Math.round(pct(sorted, 50) * 100) / 100,
      p99_ms: Math.round(pct(sorted, 99) * 100) / 100,
      calls: CALLS,
      failures,
      samples: samples.length,
      targets: { concurrent_calls: 1000, calls_per_s: 50, p99_ms: 20 },
    };
    console.log(`calls ${CALLS}, offered ${RATE}/s, hold ${HOLD_S}s: peak ${peak} held, ${result.calls_per_s} calls/s accepted, ${failures} failed`);
    console.log(`DTMF → next command: p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms over ${samples.length} key presses`);
    console.log(JSON.stringify(result));
  } finally {
    await sim.stop();
    await world.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
