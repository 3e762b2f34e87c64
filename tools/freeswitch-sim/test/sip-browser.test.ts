/**
 * The softphone peer against a real browser: headless Chromium (fake media devices)
 * runs sip.js 0.21 from a tiny page, registers over WS, auto-answers an originated leg,
 * and its RTCPeerConnection connects to the simulator's werift peer and receives audio.
 */
import http from 'node:http';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startFreeswitchSim, type FreeswitchSim } from '../index';
import { isEventFrame, toEvent } from './fidelity-helpers';
import { RawClient } from './raw-client';

const DOMAIN = 'hotline.local';

/** What the page code touches, typed without the DOM lib (the project compiles for Node). */
interface PeerLike {
  connectionState: string;
  getStats(): Promise<{ forEach(fn: (r: { id: string; type: string; kind?: string; packetsReceived?: number; codecId?: string; mimeType?: string }) => void): void }>;
}
interface InviteLike {
  request: { getHeader(name: string): string | undefined };
  accept(opts: unknown): Promise<void>;
  bye(): Promise<void>;
  sessionDescriptionHandler?: { peerConnection?: PeerLike };
}
interface SipGlobals {
  SIP: {
    UserAgent: (new (opts: unknown) => { start(): Promise<void> }) & { makeURI(uri: string): unknown };
    Registerer: new (ua: unknown) => { stateChange: { addListener(fn: (s: string) => void): void }; register(): Promise<unknown> };
  };
  softphone: { invites: number; callId?: string; session?: InviteLike; registration?: string };
}
let sim: FreeswitchSim;
let web: http.Server;
let browser: Browser;
let page: Page;
let esl: RawClient;

/** sip.js bundled for the page, as the workspace would ship it. */
function sipBundle(): string {
  const out = buildSync({
    stdin: { contents: "import { UserAgent, Registerer, Web } from 'sip.js'; window.SIP = { UserAgent, Registerer, Web };", resolveDir: path.resolve(__dirname, '../../..'), loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

beforeAll(async () => {
  sim = await startFreeswitchSim({ eslPort: 0, heartbeatMs: 0, sip: { port: 0, users: { domain: DOMAIN, passwords: { alice: 'alice-secret' } } } });
  const bundle = sipBundle();
  web = http.createServer((req, res) => {
    if (req.url === '/sip.js') res.setHeader('content-type', 'text/javascript').end(bundle);
    else res.setHeader('content-type', 'text/html').end('<!doctype html><html><head><title>softphone</title><script src="/sip.js"></script></head><body><audio id="remote" autoplay></audio></body></html>');
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  });
  esl = await RawClient.connect(sim.eslPort);
  await esl.next();
  esl.cmd('auth ClueCon');
  await esl.reply();
  esl.cmd('event json CHANNEL_ANSWER CHANNEL_HANGUP BACKGROUND_JOB CUSTOM sofia::register');
  await esl.reply();
}, 60_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  esl?.close();
  await sim?.stop();
  await new Promise((r) => web?.close(r));
});

it('registers sip.js, auto-answers an originated leg, connects the peer connection and receives audio', async () => {
  page = await browser.newPage();
  const port = (web.address() as { port: number }).port;
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate(
    async ({ wsUrl, domain }) => {
      const w = globalThis as unknown as SipGlobals;
      const state: SipGlobals['softphone'] = { invites: 0 };
      w.softphone = state;
      const { UserAgent, Registerer } = w.SIP;
      const ua = new UserAgent({
        uri: UserAgent.makeURI(`sip:alice@${domain}`),
        transportOptions: { server: wsUrl },
        authorizationUsername: 'alice',
        authorizationPassword: 'alice-secret',
        logLevel: 'warn',
        delegate: {
          onInvite: (inv: InviteLike) => {
            state.invites++;
            state.callId = inv.request.getHeader('X-Hotline-Call-Id');
            state.session = inv;
            void inv.accept({ sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } } });
          },
        },
      });
      await ua.start();
      const reg = new Registerer(ua);
      await new Promise<void>((resolve, reject) => {
        reg.stateChange.addListener((s: string) => {
          state.registration = s;
          if (s === 'Registered') resolve();
        });
        reg.register().catch(reject);
      });
    },
    { wsUrl: `ws://127.0.0.1:${sim.sipPort}`, domain: DOMAIN },
  );
  await esl.next((f) => isEventFrame(f) && toEvent(f).name === 'CUSTOM:sofia::register');

  const uuid = '31111111-2222-4333-8444-555555555555';
  esl.cmd(`bgapi originate {origination_uuid=${uuid},sip_h_X-Hotline-Call-Id=call-browser}user/alice@${DOMAIN} &park()`);
  await esl.reply();
  await esl.next((f) => isEventFrame(f) && toEvent(f).name === 'CHANNEL_ANSWER' && toEvent(f).uuid === uuid, 15_000);

  const probe = (): Promise<{ state: string; packets: number; codec: string }> =>
    page.evaluate(async () => {
      const s = (globalThis as unknown as SipGlobals).softphone.session;
      const pc = s?.sessionDescriptionHandler?.peerConnection;
      let packets = 0;
      let codecId = '';
      const codecs = new Map<string, string>();
      if (pc) {
        (await pc.getStats()).forEach((r) => {
          if (r.type === 'codec') codecs.set(r.id, r.mimeType ?? '');
          if (r.type === 'inbound-rtp' && r.kind === 'audio') {
            packets += r.packetsReceived ?? 0;
            codecId = r.codecId ?? '';
          }
        });
      }
      return { state: pc?.connectionState ?? 'none', packets, codec: codecs.get(codecId) ?? '' };
    });
  let got = await probe();
  for (const end = Date.now() + 20_000; (got.state !== 'connected' || got.packets === 0) && Date.now() < end; got = await probe()) await new Promise((r) => setTimeout(r, 250));
  expect(got.state).toBe('connected');
  expect(got.packets).toBeGreaterThan(0);
  // FreeSWITCH offers opus first and Chromium takes it: the audio is real opus
  expect(got.codec).toBe('audio/opus');
  expect(await page.evaluate(() => (globalThis as unknown as SipGlobals).softphone.callId)).toBe('call-browser');

  // the browser hangs up: the leg ends NORMAL_CLEARING
  await page.evaluate(() => (globalThis as unknown as SipGlobals).softphone.session!.bye());
  const hangup = toEvent(await esl.next((f) => isEventFrame(f) && toEvent(f).name === 'CHANNEL_HANGUP' && toEvent(f).uuid === uuid));
  expect(hangup.headers.find(([k]) => k === 'Hangup-Cause')?.[1]).toBe('NORMAL_CLEARING');
}, 60_000);
