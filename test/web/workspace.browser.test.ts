/**
 * The agent workspace in headless Chromium, served by Hotline with the FreeSWITCH
 * simulator: sign in through the page, switch language (kept across a reload), go
 * ready, a simulated caller reaches the agent (the agent's endpoint is registered in
 * the simulator and answers by itself, as a desk phone on auto-answer would), the bar
 * shows ringing with the caller's number, then talking; hold → resume and hang up
 * through the bar; a second call from the same number pops the first as history.
 * Screenshots go to /tmp/hotline-web-*.png for a person to look at.
 */
process.env.SIM_SPEED = '20';
import crypto from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureWorkspaceBuilt } from '../../scripts/build-web';
import { blacklistModule } from '../../server/blacklist/module';
import { CALLS_SERVICE, callsModule, type CallsService } from '../../server/calls/module';
import { CallState } from '../../server/calls/session';
import { ensureEndpoint } from '../../server/endpoints/store';
import { endpointsModule } from '../../server/endpoints/module';
import { ivrModule } from '../../server/ivr/module';
import { realtimeModule } from '../../server/realtime/module';
import { recordingsModule } from '../../server/recordings/module';
import type { RoutingEngine } from '../../server/routing/engine';
import { routingModule, ROUTING_SERVICE } from '../../server/routing/module';
import { telephonyModule, TELEPHONY_SIMULATOR } from '../../server/telephony/module';
import type { FreeswitchSim } from '../../tools/freeswitch-sim';
import { bindQueueSurveyFlow } from '../calls/helpers/queue-flow';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { waitFor } from '../ivr/helpers/wait';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

const SIP_WSS_URL = 'wss://sip.example.test:7443';

let world: TestWorld;
let browser: Browser;
let sim: FreeswitchSim;
let calls: CallsService;
let acd: RoutingEngine;
let number: string;
let tagId: string;
const agent = { id: '', username: `wendy${crypto.randomBytes(3).toString('hex')}`, password: 'agent-password-1' };

beforeAll(async () => {
  ensureWorkspaceBuilt();
  world = await createTestWorld({
    modules: [telephonyModule(), realtimeModule(), routingModule({ sweepIntervalMs: 100 }), recordingsModule(), endpointsModule(), blacklistModule(), callsModule(), ivrModule({ seedSample: false })],
    // Chromium shares the machine's two cores: admission control's event-loop-lag guard would refuse callers under a loaded CI run.
    env: { SIP_WSS_URL, ADMISSION_MAX_LAG_MS: '0' },
  });
  const db = world.hotline.db;
  sim = world.hotline.services.get(TELEPHONY_SIMULATOR) as FreeswitchSim;
  calls = world.hotline.services.get(CALLS_SERVICE) as CallsService;
  acd = world.hotline.services.get(ROUTING_SERVICE) as RoutingEngine;
  number = `4${crypto.randomInt(100000, 999999)}`;
  const { groupId } = await bindQueueSurveyFlow(db, { number, namePrefix: 'web', description: 'workspace test', surveyTimeoutMs: 500, mediaDir: world.config.mediaDir });
  await db.query('UPDATE routing_settings SET offer_timeout_voice_seconds = 60, wrap_up_seconds = 30, missed_offers_before_not_ready = 0');
  await acd.reloadConfig();

  const admin = await new ApiClient(world.hotline.url).login(ADMIN.username, ADMIN.password);
  const roleId = (await db.query<{ id: string }>("SELECT id FROM roles WHERE code = 'agent'")).rows[0]!.id;
  const created = await admin.post('/api/agents', { username: agent.username, password: agent.password, displayName: 'Wendy', employeeNo: agent.username, roleIds: [roleId] });
  expect(created.status).toBe(201);
  agent.id = created.body.id;
  tagId = (await admin.post('/api/call-tags', { kind: 'call', name: 'Billing' })).body.id;
  await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, agent.id]);
  await acd.syncAgent(agent.id);
  const ep = await ensureEndpoint(db, { id: agent.id, username: agent.username });
  // A ring long enough to see in the page (SIM_SPEED=20: 1.5 s); then the endpoint answers by itself.
  sim.registerEndpoint(ep.sipUsername, { mode: 'answer', afterMs: 30_000 });
  await waitFor(async () => ((await acd.agents()).find((a) => a.agentId === agent.id)?.voiceRegistered ? true : undefined), 'registration reaches the ACD');

  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `/tmp/hotline-web-${name}.png` });
const phase = (page: Page) => page.getByTestId('call-phase');
/** Waits for the bar's phase; on a timeout, says what the bar and the ACD showed instead. */
async function barShows(page: Page, text: string, timeout = 15_000): Promise<void> {
  try {
    await phase(page).filter({ hasText: text }).waitFor({ timeout });
  } catch (err) {
    const bar = await page.getByTestId('softphone-bar').textContent();
    const live = (await acd.agents()).find((a) => a.agentId === agent.id);
    const recent = (await world.hotline.db.query('SELECT disposition, end_cause FROM calls ORDER BY started_at DESC LIMIT 2')).rows;
    throw new Error(`bar never showed "${text}": bar "${bar}", ACD ${JSON.stringify(live?.presence)} load ${JSON.stringify(live?.load)}, last calls ${JSON.stringify(recent)}`, { cause: err });
  }
}

it('serves the workspace at / with its CSP, client routes fall back to it, /api stays JSON', async () => {
  const url = world.hotline.url;
  const root = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
  expect(root.status).toBe(200);
  const html = await root.text();
  expect(html).toContain('<div id="root">');
  const csp = root.headers.get('content-security-policy')!;
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("connect-src 'self' wss://sip.example.test:7443");
  expect(csp).toContain('media-src \'self\' blob:');
  expect(csp).toContain("frame-ancestors 'self'");
  const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)![1]!;
  const js = await fetch(`${url}${asset}`);
  expect(js.status).toBe(200);
  expect(js.headers.get('cache-control')).toContain('immutable');
  const spa = await fetch(`${url}/calls/recent`, { headers: { accept: 'text/html' } });
  expect(spa.status).toBe(200);
  expect(await spa.text()).toBe(html);
  const api = await fetch(`${url}/api/nope`, { headers: { accept: 'text/html' } });
  expect(api.status).toBe(404);
  expect(await api.json()).toMatchObject({ error: { code: 'not_found' } });
  expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404);
});

it('signs in, switches language, goes ready, and handles a call from the simulator through the bar', async () => {
  const url = world.hotline.url;
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-US' });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // The 401s are expected: who-am-I before signing in, and the wrong password.
  page.on('console', (m) => m.type() === 'error' && !m.text().includes('status of 401') && pageErrors.push(m.text()));
  await page.goto(`${url}/`);

  // A wrong password is refused in the page.
  await page.fill('input[name=username]', agent.username);
  await page.fill('input[name=password]', 'wrong-password');
  await page.click('button[type=submit]');
  await page.getByTestId('login-error').waitFor();
  expect(await page.getByTestId('login-error').textContent()).toBe('Wrong username or password');
  await shot(page, 'login-error');

  await page.fill('input[name=password]', agent.password);
  await page.click('button[type=submit]');
  await page.getByTestId('who').waitFor();
  expect(await page.getByTestId('who').textContent()).toBe('Wendy');
  await page.getByTestId('channel').filter({ hasText: 'Live' }).waitFor();
  expect(await page.getByTestId('softphone-status').textContent()).toBe('Phone registered');

  // Chinese, kept across a reload (the session cookie keeps the sign-in).
  await page.getByTestId('language').selectOption('zh-CN');
  await page.getByTestId('call-phase').filter({ hasText: '空闲' }).waitFor();
  await page.reload();
  await page.getByTestId('call-phase').filter({ hasText: '空闲' }).waitFor();
  expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
  await page.getByTestId('channel').filter({ hasText: '已连接' }).waitFor();
  await shot(page, 'zh-idle');
  await page.getByTestId('language').selectOption('en');
  await barShows(page, 'No call');

  // Ready, through the presence picker (the ACD's state changes).
  await page.getByTestId('presence').selectOption('ready');
  await waitFor(async () => ((await acd.agents()).find((a) => a.agentId === agent.id)?.presence.state === 'ready' ? true : undefined), 'the agent is ready');

  // A caller: the offer rings in the page with the caller's number, then the endpoint answers.
  const caller = await sim.placeCall({ from: '13800000001', to: number });
  await barShows(page, 'Ringing');
  expect(await page.getByTestId('call-caller').textContent()).toBe('13800000001');
  expect(await page.getByTestId('pop-service').textContent()).toBe(number);
  await shot(page, 'ringing');
  await barShows(page, 'Talking');
  const session = calls.sessions.byCallerUuid(caller.uuid)!;
  expect(session.state).toBe(CallState.Talking);
  // Tag and notes, on the call record.
  await page.getByRole('button', { name: 'Billing' }).click();
  await page.getByRole('button', { name: 'Billing', pressed: true }).waitFor();
  await page.getByLabel('Notes').fill('asked about the invoice');
  await page.getByRole('button', { name: 'Save notes' }).click();
  await page.getByRole('button', { name: 'Saved' }).waitFor();
  const record = (await world.hotline.db.query<{ notes: string }>('SELECT notes FROM calls WHERE id = $1', [session.callId])).rows[0]!;
  expect(record.notes).toBe('asked about the invoice');
  expect((await world.hotline.db.query('SELECT 1 FROM call_tags WHERE call_id = $1 AND tag_id = $2', [session.callId, tagId])).rowCount).toBe(1);

  // Hold → resume, through the bar; the server's session follows.
  await page.getByTestId('hold').click();
  await barShows(page, 'On hold');
  expect(session.state).toBe(CallState.Held);
  await shot(page, 'held');
  await page.getByTestId('resume').click();
  await barShows(page, 'Talking');
  expect(session.state).toBe(CallState.Talking);

  // The transfer picker lists the skill group with its live availability.
  await page.getByTestId('transfer-toggle').click();
  await page.getByRole('tab', { name: 'Skill group' }).click();
  await page.getByTestId('pick-group').locator('option', { hasText: 'available' }).first().waitFor({ state: 'attached' });
  await shot(page, 'talking-transfer');
  await page.getByRole('button', { name: 'Close' }).click();

  // Hang up: the call ends in the bar and the wrap-up countdown starts.
  await page.getByTestId('hangup').click();
  await barShows(page, 'Call ended');
  await page.getByTestId('wrap-up').waitFor();
  await shot(page, 'ended-wrapup');

  // The second call from that number shows the first as history in the screen pop.
  await page.getByRole('button', { name: 'Ready now' }).click();
  await waitFor(async () => ((await acd.agents()).find((a) => a.agentId === agent.id)?.presence.state === 'ready' ? true : undefined), 'ready again');
  const again = await sim.placeCall({ from: '13800000001', to: number });
  await barShows(page, 'Ringing');
  await page.getByTestId('pop-history').locator('li').first().waitFor();
  await barShows(page, 'Talking');
  await shot(page, 'second-call');
  await page.getByTestId('hangup').click();
  await barShows(page, 'Call ended');
  await waitFor(() => (calls.sessions.byCallerUuid(again.uuid) ? undefined : true), 'the second call is over', 15_000);
  expect(pageErrors).toEqual([]);
  await context.close();
}, 120_000);
