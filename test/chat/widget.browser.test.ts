import { chromium, type Browser } from 'playwright-core';
import { blacklistModule } from '../../server/blacklist/module';
import { chatModule } from '../../server/chat/module';
import { signIdentity } from '../../server/chat/domain/rules';
import { route } from '../../server/http/route';
import type { HotlineModule } from '../../server/module';
import { realtimeModule } from '../../server/realtime/module';
import { routingModule } from '../../server/routing/module';
import { connectAgentSocket, type AgentSocket } from '../helpers/agent-socket';
import { ApiClient } from '../helpers/api-client';
import { ADMIN, createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { agentOk, Rec } from './support';

/** A customer's page that embeds the widget with one script tag. */
const hostPage = (siteKey: string): HotlineModule => ({
  name: 'host-page',
  routes: () => [
    route({
      method: 'get',
      path: '/test/shop.html',
      tag: 'test',
      summary: 'test host page',
      access: 'public',
      handler: ({ res }) => {
        res.type('html').send(`<!doctype html><html><head><title>Shop</title><meta name="viewport" content="width=device-width"></head><body><h1>Shop</h1><script src="/chat/widget.js" data-site="${siteKey}" data-lang="en"></script></body></html>`);
        return Promise.resolve();
      },
    }),
  ],
});

const SITE = 'browser-site';
let world: TestWorld;
let browser: Browser;
let agentSocket: AgentSocket;
let agentApi: ApiClient;

beforeAll(async () => {
  world = await createTestWorld({ modules: [realtimeModule(), routingModule({ sweepIntervalMs: 50 }), blacklistModule(), chatModule({ timerPollMs: 200 }), hostPage(SITE)] });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}, 60_000);
afterAll(async () => {
  agentSocket?.disconnect();
  await browser?.close();
  await world?.cleanup();
});

it('loads the widget from a page, and a message typed there reaches an agent as text', async () => {
  const url = world.hotline.url;
  const admin = await new ApiClient(url).login(ADMIN.username, ADMIN.password);
  const db = world.hotline.db;
  const groupId = (await db.query<{ id: string }>("INSERT INTO skill_groups (name) VALUES ('browser') RETURNING id")).rows[0]!.id;
  expect((await admin.post('/api/chat/sites', { key: SITE, name: 'Shop', groupId, secret: 'browser-secret-0123456789', widget: { buttonText: { zh: '咨询', en: 'Talk to us' }, color: '#aa3300' } })).status).toBe(201);
  const roleId = (await db.query<{ id: string }>("SELECT id FROM roles WHERE code = 'agent'")).rows[0]!.id;
  const created = await admin.post('/api/agents', { username: 'web-agent', password: 'agent-password-1', displayName: 'Wendy', employeeNo: 'w1', roleIds: [roleId], chatCapacity: 2 });
  await db.query('INSERT INTO skill_group_members (group_id, user_id, level) VALUES ($1, $2, 5)', [groupId, created.body.id]);
  const api = (agentApi = await new ApiClient(url).login('web-agent', 'agent-password-1'));
  agentSocket = await connectAgentSocket(url, { cookie: api.cookie! });
  const events = new Rec(agentSocket);
  await agentOk({ api }, 'presence', { state: 'ready' });

  const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
  await page.goto(`${url}/test/shop.html`);
  const button = page.locator('[data-hotline="button"]');
  await button.waitFor({ state: 'visible' });
  expect(await button.textContent()).toBe('Talk to us');
  await button.click();
  const conv = await events.wait('conversation.assigned', () => true, 10_000);
  const evil = '<img src=x onerror="window.__pwned=1">hello';
  await page.fill('[data-hotline="input"]', evil);
  await page.click('[data-hotline="send"]');
  const got = await events.wait('message', (m) => m.senderKind === 'visitor', 10_000);
  expect(got.body).toBe(evil);
  // The agent's reply shows in the widget as text, and nothing in it ran.
  await agentOk({ api }, 'send', { conversationId: conv.id, text: '<b>hi</b> there' });
  await page.locator('[data-hotline="bubble"]', { hasText: '<b>hi</b> there' }).waitFor();
  expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
  expect(await page.locator('[data-hotline="messages"] img, [data-hotline="messages"] b').count()).toBe(0);
  // The visitor cookie keeps the identity on the customer's site.
  expect((await page.context().cookies()).some((c) => c.name === `hotline_vid_${SITE}`)).toBe(true);

  // The standalone page with a signed identity, and with a forged one (ignored).
  const ts = Date.now();
  const sig = signIdentity('browser-secret-0123456789', { customerId: 'C-42', name: 'Ann', ts });
  const p2 = await browser.newPage();
  await p2.goto(`${url}/chat/page?site=${SITE}&lang=zh&customerId=C-42&name=Ann&ts=${ts}&sig=${sig}`);
  await p2.locator('[data-hotline="panel"]').waitFor({ state: 'visible' });
  const p3 = await browser.newPage();
  await p3.goto(`${url}/chat/page?site=${SITE}&customerId=C-43&name=Eve&ts=${ts}&sig=${sig}`);
  await p3.locator('[data-hotline="panel"]').waitFor({ state: 'visible' });
  const deadline = Date.now() + 10_000;
  let rows: { customer_id: string | null; name: string | null }[] = [];
  while (Date.now() < deadline) {
    rows = (await db.query<{ customer_id: string | null; name: string | null }>('SELECT customer_id, name FROM chat_visitors ORDER BY created_at')).rows;
    if (rows.length >= 3) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(rows.map((r) => r.customer_id)).toEqual([null, 'C-42', null]);
  await Promise.all([page.close(), p2.close(), p3.close()]);
}, 60_000);

it('works embedded on a customer site of another origin (CORS, no cookies of ours)', async () => {
  const url = world.hotline.url;
  // The customer's shop: another origin (its own port) that embeds the widget from Hotline.
  const http = await import('node:http');
  const shop = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html><body><h1>Other shop</h1><script src="${url}/chat/widget.js" data-site="${SITE}" data-lang="zh"></script></body></html>`);
  });
  await new Promise<void>((r) => shop.listen(0, '127.0.0.1', () => r()));
  const shopUrl = `http://127.0.0.1:${(shop.address() as import('node:net').AddressInfo).port}/`;
  const events = new Rec(agentSocket);
  const page = await browser.newPage();
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(r.url()));
  try {
    await page.goto(shopUrl);
    const button = page.locator('[data-hotline="button"]');
    await button.waitFor({ state: 'visible' });
    expect(await button.textContent()).toBe('咨询');
    const db = world.hotline.db;
    const t0 = (await db.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
    await button.click();
    // The conversation exists: the widget's cross-origin calls got through.
    let shopConv: string | undefined;
    const deadline = Date.now() + 10_000;
    while (!shopConv && Date.now() < deadline) {
      shopConv = (await db.query<{ id: string }>('SELECT id FROM chat_conversations WHERE created_at > $1', [t0])).rows[0]?.id;
      if (!shopConv) await new Promise((r) => setTimeout(r, 50));
    }
    expect(shopConv).toBeDefined();
    // The agent's chat slots are held by the first test's conversations (and those queued behind
    // them): end them until this visitor is assigned.
    while (Date.now() < deadline) {
      const { rows } = await db.query<{ id: string; state: string }>("SELECT id, state FROM chat_conversations WHERE state = 'active' OR id = $1", [shopConv]);
      if (rows.find((r) => r.id === shopConv)?.state === 'active') break;
      for (const r of rows.filter((c) => c.id !== shopConv && c.state === 'active')) await agentOk({ api: agentApi }, 'end', { conversationId: r.id });
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.fill('[data-hotline="input"]', 'from another origin');
    await page.click('[data-hotline="send"]');
    const got = await events.wait('message', (m) => m.body === 'from another origin', 10_000);
    expect(got.senderKind).toBe('visitor');
    expect(failed).toEqual([]);
  } finally {
    await page.close();
    await new Promise<void>((r) => shop.close(() => r()));
  }
}, 60_000);
