/**
 * Agent workspace benchmark, in one headless Chromium against Hotline on loopback
 * (in this process, on the FreeSWITCH simulator, real Postgres and Redis in a database
 * and key prefix of their own, removed at the end):
 *  - firstJsGzipKb: the JavaScript index.html loads before anything renders (entry
 *    script and its modulepreloads), gzipped as served over a compressing proxy.
 *  - coldLoadMs: a new browser context (empty cache, no cookie) from navigation start
 *    until the sign-in form is on screen; COLD_RUNS runs, median and max.
 *  - offerToRingingMs: AGENTS signed-in pages, all ready; ROUNDS rounds of AGENTS
 *    simultaneous callers. For each offer: from the ACD's contact.offered (`at`, the
 *    server's clock) until that agent's page shows "Ringing" (a MutationObserver in the
 *    page notes Date.now(); same machine, same clock). p50/p95/max.
 *    offerToChannelMs: the same offers until a node client on the agent channel has them
 *    (the server's share, without the browser).
 * env: AGENTS (20), ROUNDS (3), COLD_RUNS (5), BENCH_TIMEOUT_S (300).
 * Output: one JSON line (the last line).
 */
process.env.SIM_SPEED = '20';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { ensureWorkspaceBuilt } from '../../scripts/build-web';
import { blacklistModule } from '../../server/blacklist/module';
import { callsModule } from '../../server/calls/module';
import { ensureEndpoint } from '../../server/endpoints/store';
import { endpointsModule } from '../../server/endpoints/module';
import { ivrModule } from '../../server/ivr/module';
import { realtimeModule } from '../../server/realtime/module';
import { recordingsModule } from '../../server/recordings/module';
import type { RoutingEngine } from '../../server/routing/engine';
import { routingModule, ROUTING_SERVICE } from '../../server/routing/module';
import { telephonyModule, TELEPHONY_SIMULATOR } from '../../server/telephony/module';
import type { FreeswitchSim, SimCall } from '../../tools/freeswitch-sim';
import { bindQueueSurveyFlow } from '../../test/calls/helpers/queue-flow';
import { connectAgentSocket, subscribe } from '../../test/helpers/agent-socket';
import { ApiClient } from '../../test/helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../../test/helpers/hotline-under-test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../test/web/chromium';
import { waitFor } from '../../test/ivr/helpers/wait';

const AGENTS = Number(process.env.AGENTS ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const COLD_RUNS = Number(process.env.COLD_RUNS ?? 5);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 300);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};

function firstJsGzipBytes(dist: string): { bytes: number; files: string[] } {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const bytes = files.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(dist, f)), { level: 6 }).length, 0);
  return { bytes, files };
}

async function main(): Promise<void> {
  ensureWorkspaceBuilt();
  let world: TestWorld | undefined;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const abort = setTimeout(() => {
    console.error(`bench:web: aborted after ${TIMEOUT_S} s`);
    void browser.close().finally(() => void world?.cleanup().finally(() => process.exit(2)));
  }, TIMEOUT_S * 1000);
  try {
    world = await createTestWorld({ modules: [telephonyModule(), realtimeModule(), routingModule({ sweepIntervalMs: 100 }), recordingsModule(), endpointsModule(), blacklistModule(), callsModule(), ivrModule({ seedSample: false })], env: { ADMISSION_MAX_LAG_MS: '0' } });
    const url = world.hotline.url;
    const db = world.hotline.db;
    const sim = world.hotline.services.get(TELEPHONY_SIMULATOR) as FreeswitchSim;
    const acd = world.hotline.services.get(ROUTING_SERVICE) as RoutingEngine;
    const js = firstJsGzipBytes(world.config.webAgentDir);

    // Cold loads: empty cache each time.
    const cold: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${url}/`);
      await page.getByTestId('login-form').waitFor();
      cold.push(Number(await page.evaluate('performance.now()')));
      await ctx.close();
    }

    console.error(`bench:web: cold loads ${cold.map(Math.round).join(', ')} ms`);
    // Agents: each signed in in its own context (own cookie), ready, endpoint on auto-answer.
    const number = `4${crypto.randomInt(100000, 999999)}`;
    const { groupId } = await bindQueueSurveyFlow(db, { number, namePrefix: 'bench-web', description: 'bench', surveyTimeoutMs: 500, mediaDir: world.config.mediaDir });
    await db.query('UPDATE routing_settings SET offer_timeout_voice_seconds = 60, wrap_up_seconds = 0.1, missed_offers_before_not_ready = 0');
    await acd.reloadConfig();
    const admin = await new ApiClient(url).login(ADMIN.username, ADMIN.password);
    const roleId = (await db.query<{ id: string }>("SELECT id FROM roles WHERE code = 'agent'")).rows[0]!.id;
    const pages = new Map<string, Page>();
    for (let i = 0; i < AGENTS; i++) {
      const username = `bench${i}${crypto.randomBytes(2).toString('hex')}`;
      const created = await admin.post('/api/agents', { username, password: 'bench-password-1', displayName: `Agent ${i}`, employeeNo: username, roleIds: [roleId] });
      const id = created.body.id as string;
      await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, id]);
      await acd.syncAgent(id);
      const ep = await ensureEndpoint(db, { id, username });
      sim.registerEndpoint(ep.sipUsername, { mode: 'answer', afterMs: 10_000 });
      const ctx = await browser.newContext({ locale: 'en-US' });
      const page = await ctx.newPage();
      await page.goto(`${url}/`);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', 'bench-password-1');
      await page.click('button[type=submit]');
      await page.getByTestId('channel').filter({ hasText: 'Live' }).waitFor().catch(async (err: unknown) => {
        throw new Error(`agent ${i} did not get in: ${await page.locator('body').textContent()}`, { cause: err });
      });
      // The page notes when its bar first shows a ringing call.
      await page.evaluate(`(() => {
        window.__ringAt = [];
        new MutationObserver(() => {
          const el = document.querySelector('[data-testid=call-phase]');
          const ringing = el && el.textContent === 'Ringing';
          if (ringing && !window.__ringing) window.__ringAt.push(Date.now());
          window.__ringing = ringing;
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      })()`);
      await page.getByTestId('presence').selectOption('ready');
      pages.set(id, page);
    }
    await waitFor(async () => ((await acd.agents()).filter((a) => pages.has(a.agentId) && a.presence.state === 'ready' && a.voiceRegistered).length === AGENTS ? true : undefined), 'every agent ready', 30_000);
    console.error(`bench:web: ${AGENTS} agents signed in and ready`);

    // The server's offer times, from a supervisor's view of the agent channel.
    const sup = await connectAgentSocket(url, { cookie: admin.cookie! });
    await subscribe(sup, ['supervisor']);
    const offers: { agentId: string; at: number; recv: number }[] = [];
    sup.on('contact.offered', (e) => offers.push({ agentId: e.agentId, at: e.at, recv: Date.now() }));

    const samples: number[] = [];
    // Where the time goes: offer → a node socket on the channel has it (server side only).
    const toSocket: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = offers.length;
      const ringCounts = new Map<string, number>();
      for (const [id, p] of pages) ringCounts.set(id, Number(await p.evaluate('window.__ringAt.length')));
      const callers: SimCall[] = await Promise.all(Array.from({ length: AGENTS }, (_, i) => sim.placeCall({ from: `1390000${String(r * 100 + i).padStart(4, '0')}`, to: number })));
      await waitFor(() => (offers.length - before >= AGENTS ? true : undefined), `round ${r}: ${AGENTS} offers`, 30_000);
      for (const o of offers.slice(before)) {
        const page = pages.get(o.agentId)!;
        const n = ringCounts.get(o.agentId)!;
        const shownAt = await waitFor(async () => {
          const all = await page.evaluate<number[]>('window.__ringAt');
          return all.length > n ? all[n] : undefined;
        }, 'ringing shown', 15_000);
        samples.push(shownAt - o.at);
        toSocket.push(o.recv - o.at);
      }
      // Done with the round: callers hang up; agents come back to ready after the short wrap-up.
      await Promise.all(callers.map((c) => c.hangup().catch(() => undefined)));
      await waitFor(async () => ((await acd.agents()).filter((a) => pages.has(a.agentId) && a.presence.state === 'ready' && a.load.voice === 0).length === AGENTS ? true : undefined), 'agents ready again', 30_000);
      console.error(`bench:web: round ${r + 1}/${ROUNDS} done`);
    }
    sup.disconnect();

    console.log(
      JSON.stringify({
        bench: 'web',
        firstJsGzipKb: Math.round(js.bytes / 102.4) / 10,
        firstJsFiles: js.files.length,
        coldLoadMs: { runs: COLD_RUNS, median: Math.round(pct(cold, 50)), max: Math.round(Math.max(...cold)) },
        offerToRingingMs: { agents: AGENTS, rounds: ROUNDS, samples: samples.length, p50: Math.round(pct(samples, 50)), p95: Math.round(pct(samples, 95)), max: Math.round(Math.max(...samples)) },
        offerToChannelMs: { p50: Math.round(pct(toSocket, 50)), p95: Math.round(pct(toSocket, 95)) },
      }),
    );
  } finally {
    clearTimeout(abort);
    await browser.close();
    await world?.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
