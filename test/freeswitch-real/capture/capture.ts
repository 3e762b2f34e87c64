/**
 * Captures real FreeSWITCH ESL transcripts into test/fixtures/freeswitch-esl (framing of
 * shared/fixtures/freeswitch-esl/README.md). Needs a FreeSWITCH set up as dialplan/README.md says,
 * plus test/freeswitch-real/dialplan/hotline-test.xml, and SIPp. Nothing of Hotline runs: this
 * process is the ESL client (inbound) and, for the socket scenarios, the outbound socket server
 * on hotline_socket (127.0.0.1:8084, so not while the suite runs).
 *
 *   FREESWITCH_ESL=127.0.0.1:8021:ClueCon npx tsx test/freeswitch-real/capture/capture.ts [scenario ...]
 *
 * Phones are the static vanilla directory users 1001-1003 (password 1234) of FreeSWITCH's domain,
 * so no Hotline is needed for them to register.
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Frame, RawClient } from '../../../tools/freeswitch-sim/test/raw-client';
import { eventHeaders } from '../../../tools/freeswitch-sim/test/raw-client';
import { startPhone, waitRegistration, type Phone } from '../sipp/phones';
import { connectRecorded, recorded, Transcript } from './transcript';

const [HOST, PORT, PASSWORD] = (process.env.FREESWITCH_ESL ?? '127.0.0.1:8021:ClueCon').split(':') as [string, string, string];
const OUT_DIR = path.resolve(__dirname, '../../fixtures/freeswitch-esl');
const SOCKET_PORT = Number(process.env.HOTLINE_FS_SOCKET_PORT ?? 8084);
const TEST_CONTEXT = 'hotline-test';
const EVENTS =
  'CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HOLD CHANNEL_UNHOLD CHANNEL_CALLSTATE CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE PLAYBACK_START PLAYBACK_STOP RECORD_START RECORD_STOP MEDIA_BUG_START MEDIA_BUG_STOP PRIVATE_COMMAND CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function title(what: string): string {
  const version = execFileSync('/usr/local/freeswitch/bin/fs_cli', ['-x', 'version']).toString().trim();
  return `FreeSWITCH ESL transcript | scenario: ${what} | ${version} | captured ${new Date().toISOString().slice(0, 10)} on 127.0.0.1/192.0.2.2 by test/freeswitch-real/capture | framing: see shared/fixtures/freeswitch-esl/README.md`;
}

const isReply = (f: Frame): boolean => ['command/reply', 'api/response'].includes(f.headers.get('Content-Type') ?? '') || f.raw.startsWith('Event-Name: CHANNEL_DATA\n');

async function login(t: Transcript, events = EVENTS): Promise<RawClient & { run(cmd: string): Promise<string> }> {
  const c = await connectRecorded(HOST, Number(PORT), t);
  await c.next((f) => f.headers.get('Content-Type') === 'auth/request');
  c.cmd(`auth ${PASSWORD}`);
  await c.next(isReply);
  c.cmd(`event json ${events}`);
  await c.next(isReply);
  return Object.assign(c, { run: async (cmd: string) => (c.cmd(cmd), (await c.next(isReply, 30_000)).body) });
}

/** An unlogged connection for set-up steps that are not part of the transcript. */
async function helper(): Promise<RawClient & { run(cmd: string): Promise<string> }> {
  return login(new Transcript('helper'), 'BACKGROUND_JOB');
}

function hasEvent(c: RawClient, name: string, uuid: string, extra: (h: Array<[string, string | string[]]>) => boolean = () => true): boolean {
  return c.frames.some((f) => {
    if (!(f.headers.get('Content-Type') ?? '').startsWith('text/event')) return false;
    const h = eventHeaders(f);
    const get = (k: string) => h.find(([n]) => n === k)?.[1];
    return get('Event-Name') === name && get('Unique-ID') === uuid && extra(h);
  });
}

async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await sleep(20);
  }
}

async function phone(user: string, port: number, behaviour: Parameters<typeof startPhone>[0]['behaviour'], h: { run(cmd: string): Promise<string> }): Promise<Phone> {
  const domain = (await h.run('api global_getvar domain')).trim();
  const p = startPhone({ user, password: '1234', domain, port, behaviour });
  await waitRegistration((cmd) => h.run(`api ${cmd}`), user, domain);
  return p;
}

/** uuid_hold on loopback legs: FreeSWITCH sends CHANNEL_HOLD and music, but the call state never becomes HELD, so `off` fails. */
async function loopbackHold(): Promise<void> {
  const t = new Transcript(title('inbound ESL: two loopback/9196/hotline-test legs (each b half runs echo) uuid_bridged; uuid_hold A twice, uuid_hold off A, uuid_hold toggle A, uuid_hold off A, uuid_kill A'));
  const c = await login(t);
  const a = randomUUID();
  const b = randomUUID();
  t.note('scenario: originate A and B to loopback/9196/hotline-test, uuid_bridge A B, then hold commands on A (a loopback leg)');
  await c.run(`api originate {origination_uuid=${a}}loopback/9196/${TEST_CONTEXT} &park()`);
  await c.run(`api originate {origination_uuid=${b}}loopback/9196/${TEST_CONTEXT} &park()`);
  await c.run(`api uuid_bridge ${a} ${b}`);
  await sleep(500);
  for (const cmd of [`uuid_hold ${a}`, `uuid_hold ${a}`, `uuid_hold off ${a}`, `uuid_hold toggle ${a}`, `uuid_hold off ${a}`, `uuid_getvar ${a} hold_music`]) {
    await c.run(`api ${cmd}`);
    await sleep(400);
  }
  await c.run(`api uuid_kill ${a}`);
  await until(() => hasEvent(c, 'CHANNEL_HANGUP_COMPLETE', b), 'B hangs up');
  await sleep(500);
  c.close();
  t.write(path.join(OUT_DIR, 'n_uuid_hold_loopback.txt'));
}

/** uuid_hold on a registered SIP phone's leg: HELD at once (re-INVITE sendonly), a second hold and a second unhold fail. */
async function sipHold(): Promise<void> {
  const h = await helper();
  const p = await phone('1001', 5201, { mode: 'answer' }, h);
  const t = new Transcript(title('inbound ESL: A = user/1001 (a SIPp phone registered to the internal profile, answers, 200s re-INVITEs), B = loopback/9196/hotline-test; uuid_bridge A B; uuid_hold A twice, uuid_hold off A twice, uuid_kill A'));
  const c = await login(t);
  const a = randomUUID();
  const b = randomUUID();
  const domain = (await h.run('api global_getvar domain')).trim();
  t.note('scenario: originate A (SIP phone) and B (loopback), uuid_bridge A B, then hold commands on A (a SIP leg)');
  await c.run(`api originate {origination_uuid=${a}}user/1001@${domain} &park()`);
  await c.run(`api originate {origination_uuid=${b}}loopback/9196/${TEST_CONTEXT} &park()`);
  await c.run(`api uuid_bridge ${a} ${b}`);
  await sleep(500);
  for (const cmd of [`uuid_hold ${a}`, `uuid_hold ${a}`, `uuid_hold off ${a}`, `uuid_hold off ${a}`]) {
    await c.run(`api ${cmd}`);
    await sleep(600);
  }
  await c.run(`api uuid_kill ${a}`);
  await until(() => hasEvent(c, 'CHANNEL_HANGUP_COMPLETE', b), 'B hangs up');
  await sleep(500);
  c.close();
  t.write(path.join(OUT_DIR, 'o_uuid_hold_sip_phone.txt'));
  await p.stop();
  await h.run('api sofia profile internal flush_inbound_reg 1001@' + domain);
  h.close();
}

/** uuid_record start / mask / unmask / pause / resume / stop and their errors; the file is shorter by the paused time only. */
async function recordPause(): Promise<void> {
  const t = new Transcript(title('inbound ESL: A = loopback/9196/hotline-test parked (b half echo); uuid_record A start, mask 1 s, unmask, pause 2 s, resume, stop; pause/resume/mask of a file not recorded; uuid_kill A'));
  const c = await login(t);
  const a = randomUUID();
  const file = `/tmp/hotline-capture-${a}.wav`;
  t.note('scenario: originate A, then uuid_record commands on it');
  await c.run(`api originate {origination_uuid=${a}}loopback/9196/${TEST_CONTEXT} &park()`);
  const steps: Array<[string, number]> = [
    [`uuid_record ${a} start ${file}`, 1000],
    [`uuid_record ${a} mask ${file}`, 1000],
    [`uuid_record ${a} unmask ${file}`, 1000],
    [`uuid_record ${a} pause ${file}`, 2000],
    [`uuid_record ${a} resume ${file}`, 1000],
    [`uuid_record ${a} stop ${file}`, 300],
    [`uuid_record ${a} pause /tmp/hotline-capture-not-recorded.wav`, 0],
    [`uuid_record ${a} resume /tmp/hotline-capture-not-recorded.wav`, 0],
    [`uuid_record ${a} mask /tmp/hotline-capture-not-recorded.wav`, 0],
    [`uuid_record ${a} bogus ${file}`, 0],
  ];
  let started = 0;
  let paused = 0;
  let pausedAt = 0;
  for (const [cmd, ms] of steps) {
    await c.run(`api ${cmd}`);
    if (cmd.includes(' start ')) started = Date.now();
    if (cmd.includes(' pause ') && !paused) pausedAt = Date.now();
    if (cmd.includes(' resume ') && pausedAt && !paused) paused = Date.now() - pausedAt;
    if (cmd.includes(' stop ')) started = Date.now() - started;
    await sleep(ms);
  }
  const seconds = execFileSync('soxi', ['-D', file]).toString().trim();
  t.note(`recorded file: ${seconds} s of audio; start to stop took ${(started / 1000).toFixed(1)} s, of which ${(paused / 1000).toFixed(1)} s paused and 1.0 s masked (masked time is kept as silence, paused time is left out)`);
  fs.rmSync(file, { force: true });
  await c.run(`api uuid_kill ${a}`);
  await sleep(500);
  c.close();
  t.write(path.join(OUT_DIR, 'p_uuid_record_mask_pause.txt'));
}

/**
 * The caller in Hotline's socket; the bridge's options as Hotline sets them: continue_on_fail & co. on the
 * caller with uuid_setvar_multi, then `bridge {...}[...]` to a phone that answers 503 (caller stays), then to
 * one that answers; uuid_getvar shows which scope each variable reached.
 */
async function bridgeScopes(withCallerVars: boolean): Promise<void> {
  const h = await helper();
  const p = await phone('1002', 5202, { mode: 'reject', code: 503 }, h);
  const domain = (await h.run('api global_getvar domain')).trim();
  const name = withCallerVars ? 'q_bridge_fail_caller_vars_scopes.txt' : 'r_bridge_fail_503_caller_hangup.txt';
  const t = new Transcript(
    title(
      withCallerVars
        ? 'outbound ESL (socket 127.0.0.1:8084 async full, Hotline dialplan, caller = loopback/<service number>/default b half): answer; api uuid_setvar_multi caller continue_on_fail=true;hangup_after_bridge=false; bridge {scope_curly=1}[scope_square=2]user/1002 (SIPp phone, answers 503): caller stays; api uuid_getvar caller scope_*; bridge {scope_curly=1}[scope_square=2,origination_uuid=B]loopback/9196/hotline-test, api uuid_getvar B scope_curly/scope_square/continue_on_fail, api uuid_kill B: caller stays; hangup'
        : 'outbound ESL (socket 127.0.0.1:8084 async full, Hotline dialplan, caller = loopback/<service number>/default b half): answer; bridge {continue_on_fail=true,hangup_after_bridge=false}user/1002 (SIPp phone, answers 503) with nothing set on the caller: FreeSWITCH hangs the caller up',
    ),
  );
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(SOCKET_PORT, '127.0.0.1', () => r()));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const callerA = randomUUID();
  await h.run(`bgapi originate {origination_uuid=${callerA},origination_caller_id_number=13800000099}loopback/4999/default &park()`);
  const socket = await accepted;
  t.note('accepted the outbound socket of the caller (loopback/4999-b, through Hotline\'s default context)');
  const o = recorded(socket, t);
  const run = async (cmd: string) => (o.cmd(cmd), await o.next(isReply, 30_000));
  const connect = await run('connect');
  const caller = /Unique-ID: (\S+)/.exec(connect.raw)?.[1] ?? '';
  await run('myevents');
  let n = 0;
  const execute = async (app: string, arg?: string): Promise<void> => {
    const ev = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
    o.send(`sendmsg\ncall-command: execute\nexecute-app-name: ${app}\n${arg ? `execute-app-arg: ${arg}\n` : ''}Event-UUID: ${ev}\nevent-lock: true\n\n`);
    await o.next(isReply);
    await until(() => o.closed || hasEvent(o, 'CHANNEL_EXECUTE_COMPLETE', caller, (hd) => hd.some(([k, v]) => k === 'Application-UUID' && v === ev)), `${app} completes`, 40_000);
  };
  await execute('answer');
  if (withCallerVars) {
    await run(`api uuid_setvar_multi ${caller} continue_on_fail=true;hangup_after_bridge=false`);
    await execute('bridge', `{scope_curly=1,call_timeout=10}[scope_square=2]user/1002@${domain}`);
    await run(`api uuid_getvar ${caller} scope_curly`);
    await run(`api uuid_getvar ${caller} originate_disposition`);
    const b = randomUUID();
    const bridged = execute('bridge', `{scope_curly=1}[scope_square=2,origination_uuid=${b}]loopback/9196/${TEST_CONTEXT}`);
    await until(() => hasEvent(o, 'CHANNEL_BRIDGE', caller), 'bridged');
    await run(`api uuid_getvar ${b} scope_curly`);
    await run(`api uuid_getvar ${b} scope_square`);
    await run(`api uuid_getvar ${b} continue_on_fail`);
    await run(`api uuid_kill ${b}`);
    await bridged;
    await execute('hangup');
  } else {
    await execute('bridge', `{continue_on_fail=true,hangup_after_bridge=false,call_timeout=10}user/1002@${domain}`);
    t.note('the bridge ended; the caller was hung up by FreeSWITCH');
  }
  await until(() => o.closed || o.frames.some((f) => f.headers.get('Content-Disposition') === 'disconnect'), 'socket closes', 10_000);
  await sleep(300);
  o.close();
  server.close();
  t.write(path.join(OUT_DIR, name));
  await p.stop();
  await h.run(`api sofia profile internal flush_inbound_reg 1002@${domain}`);
  await h.run(`api uuid_kill ${callerA}`).catch(() => '');
  h.close();
}

const SCENARIOS: Record<string, () => Promise<void>> = {
  'loopback-hold': loopbackHold,
  'sip-hold': sipHold,
  'record-pause': recordPause,
  'bridge-scopes': () => bridgeScopes(true),
  'bridge-503': () => bridgeScopes(false),
};

async function main(): Promise<void> {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const chosen = process.argv.slice(2);
  for (const name of chosen.length ? chosen : Object.keys(SCENARIOS)) {
    const run = SCENARIOS[name];
    if (!run) throw new Error(`unknown scenario ${name} (${Object.keys(SCENARIOS).join(', ')})`);
    process.stdout.write(`capturing ${name}\n`);
    await run();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err instanceof Error ? err.stack : err)}\n`);
    process.exit(1);
  },
);
