/**
 * Fidelity against Hotline's own real-FreeSWITCH transcripts (test/fixtures/freeswitch-esl,
 * captured by test/freeswitch-real/capture): hold on loopback and SIP legs, uuid_record
 * mask/pause, a failed bridge with and without the caller's continue_on_fail, and the
 * scope of `{}` / `[]` variables. Each client command is replayed once the simulator has
 * caught up with what FreeSWITCH had sent before it; replies (bodies of api commands
 * included) and per-channel event order must match.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FreeswitchSim } from '../index';
import { startFreeswitchSim } from '../index';
import { expectCoreHeaders, expectSameChannelSequences } from './fidelity-compare';
import { fixtureEvents, isEventFrame, isReply, normalize, replyShape, sleep, toEvent, type SimpleEvent } from './fidelity-helpers';
import { ownFixturesDir, readFixture, recordFrame, type Fixture } from './fixtures';
import { RawClient, type Frame } from './raw-client';

const SPEED = 25;
const REPO = path.resolve(__dirname, '../../..');
let sim: FreeswitchSim | undefined;
let dir: string;

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The dialplan the capture ran: Hotline's (dialplan/) plus the suite's hotline-test context. */
async function startSim(socketPort = 1): Promise<FreeswitchSim> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-sim-own-'));
  const plan = path.join(dir, 'dialplan');
  fs.mkdirSync(plan);
  for (const f of fs.readdirSync(path.join(REPO, 'dialplan')).filter((x) => x.endsWith('.xml'))) fs.copyFileSync(path.join(REPO, 'dialplan', f), path.join(plan, f));
  fs.copyFileSync(path.join(REPO, 'test/freeswitch-real/dialplan/hotline-test.xml'), path.join(plan, 'hotline-test.xml'));
  sim = await startFreeswitchSim({ eslPort: 0, speed: SPEED, dialplanDir: plan, globals: { hotline_socket: `127.0.0.1:${socketPort}` }, recordingsDir: path.join(dir, 'rec'), soundsDir: dir, heartbeatMs: 0 });
  return sim;
}

async function login(s: FreeswitchSim): Promise<RawClient> {
  const c = await RawClient.connect(s.eslPort);
  await c.next((f) => f.headers.get('Content-Type') === 'auth/request');
  return c;
}

const events = (c: RawClient): SimpleEvent[] => c.frames.filter(isEventFrame).map(toEvent);

/**
 * Sends each `>>` command of the fixture (through `map`), checks its reply, then waits until the
 * simulator has sent as many events of the last kind FreeSWITCH sent before the next command.
 */
async function replayInSync(fx: Fixture, c: RawClient, map: (s: string) => string, onReply: (cmd: string, got: Frame) => void = () => undefined): Promise<void> {
  const recs = fx.records;
  const seen = new Map<string, number>();
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    if (r.dir !== '>>') continue;
    c.send(map(r.data));
    const got = await c.next(isReply, 10_000);
    onReply(r.data, got);
    // the fixture's reply to this command and the events up to the next command
    let want: Frame | undefined;
    let last: string | undefined;
    for (let j = i + 1; j < recs.length && recs[j]!.dir !== '>>'; j++) {
      if (recs[j]!.dir !== '<<') continue;
      const f = recordFrame(recs[j]!);
      if (!want && isReply(f)) want = f;
      else if (isEventFrame(f)) {
        last = toEvent(f).name;
        seen.set(last, (seen.get(last) ?? 0) + 1);
      }
    }
    expect({ command: normalize(r.data.split('\n')[0]!), reply: replyOf(got) }).toEqual({ command: normalize(r.data.split('\n')[0]!), reply: replyOf(want) });
    if (r.data.startsWith('exit')) break;
    if (last) {
      const need = seen.get(last)!;
      const deadline = Date.now() + 5_000;
      while (events(c).filter((e) => e.name === last).length < need && !c.closed && Date.now() < deadline) await sleep(10);
    }
  }
}

/** api replies compare by their exact body (uuid_getvar values, -ERR texts); others by shape. */
function replyOf(f: Frame | undefined): string {
  if (f?.headers.get('Content-Type') === 'api/response') return normalize(f.body);
  return replyShape(f);
}

const own = (file: string): Fixture => readFixture(file, ownFixturesDir());

describe.each([['n_uuid_hold_loopback.txt'], ['o_uuid_hold_sip_phone.txt'], ['p_uuid_record_mask_pause.txt']])('fidelity (own): %s', (file) => {
  it('same replies and per-channel event order', async () => {
    const s = await startSim();
    s.registerEndpoint('1001', { mode: 'answer', afterMs: 300 });
    const c = await login(s);
    const fx = own(file);
    await replayInSync(fx, c, (x) => x);
    await sleep(200);
    const want = fixtureEvents(fx);
    const got = events(c);
    expectSameChannelSequences(want, got);
    expectCoreHeaders(want, got);
  });
});

describe('fidelity (own): uuid_record pause leaves the paused time out of the file, mask keeps it', () => {
  it('the file is shorter by the paused time only', async () => {
    const s = await startSim();
    const c = await login(s);
    c.cmd('auth ClueCon');
    await c.next(isReply);
    const api = async (cmd: string): Promise<string> => (c.cmd(`api ${cmd}`), (await c.next(isReply)).body);
    const uuid = '3b4f2c1e-0000-4000-8000-000000000001';
    const file = path.join(dir, 'rec', 'paused.wav');
    await api(`originate {origination_uuid=${uuid}}loopback/9196/hotline-test &park()`);
    expect(await api(`uuid_record ${uuid} start ${file}`)).toBe('+OK Success\n');
    await sleep(1000 / SPEED);
    expect(await api(`uuid_record ${uuid} mask ${file}`)).toBe('+OK Success\n');
    await sleep(1000 / SPEED);
    expect(await api(`uuid_record ${uuid} unmask ${file}`)).toBe('+OK Success\n');
    expect(await api(`uuid_record ${uuid} pause ${file}`)).toBe('+OK Success\n');
    await sleep(4000 / SPEED);
    expect(await api(`uuid_record ${uuid} resume ${file}`)).toBe('+OK Success\n');
    await sleep(1000 / SPEED);
    expect(await api(`uuid_record ${uuid} stop ${file}`)).toBe('+OK Success\n');
    // 7 s from start to stop, 4 s of it paused: about 3 s written (the masked second included)
    const bytes = fs.statSync(file).size - 44;
    const ms = (bytes / 2 / 8000) * 1000;
    expect(ms).toBeGreaterThan(2500);
    expect(ms).toBeLessThan(4500);
  });
});

describe.each([
  ['q_bridge_fail_caller_vars_scopes.txt', 'the caller stays after a failed bridge; {} and [] reach the B leg only'],
  ['r_bridge_fail_503_caller_hangup.txt', 'continue_on_fail inside {} does not save the caller'],
])('fidelity (own, outbound socket): %s', (file, what) => {
  it(what, async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const s = await startSim((server.address() as net.AddressInfo).port);
    s.registerEndpoint('1002', { mode: 'reject', cause: 'NORMAL_TEMPORARY_FAILURE' });
    const accepted = new Promise<RawClient>((r) => server.once('connection', (x) => r(RawClient.wrap(x))));
    const helper = await login(s);
    helper.cmd('auth ClueCon');
    await helper.next(isReply);
    helper.cmd('bgapi originate {origination_caller_id_number=13800000099}loopback/4999/default &park()');
    const o = await accepted;
    const fx = own(file);
    const fxCaller = /Unique-ID: (\S+)/.exec(fx.records.find((r) => r.data.startsWith('Event-Name: CHANNEL_DATA'))?.data ?? '')?.[1] ?? 'none';
    let simCaller = 'none';
    await replayInSync(
      fx,
      o,
      (x) => x.split(fxCaller).join(simCaller),
      (cmd, got) => {
        if (cmd.startsWith('connect')) simCaller = got.headers.get('Unique-ID') ?? 'none';
      },
    );
    await o.waitClosed();
    const want = fixtureEvents(fx);
    const got = events(o);
    expectSameChannelSequences(want, got);
    expectCoreHeaders(want, got);
    const notices = (frames: Frame[]): string[] => frames.filter((f) => f.headers.get('Content-Type') === 'text/disconnect-notice').map((f) => f.headers.get('Content-Disposition') ?? '');
    expect(notices(o.frames)).toEqual(notices(fx.records.filter((r) => r.dir === '<<').map(recordFrame)));
    helper.close();
    server.close();
  });
});
