/**
 * The softphone peer from the wire: a SIP-over-WebSocket client registers against a
 * directory that answers like Hotline's (/api/freeswitch/directory, a1-hash, basic
 * auth), the ESL side sees sofia:: events, and originated legs become INVITEs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { directoryUserXml, NOT_FOUND_XML } from '../../../server/endpoints/directory-xml';
import { startFreeswitchSim, type FreeswitchSim } from '../index';
import { header } from '../sip/message';
import { isEventFrame, toEvent, type SimpleEvent } from './fidelity-helpers';
import { RawClient } from './raw-client';
import { FAKE_ANSWER, SipTestClient } from './sip-client';

const DOMAIN = 'hotline.local';
const XML_USER = 'freeswitch';
const XML_PASSWORD = 'directory-secret-123';
let sim: FreeswitchSim;
let directory: http.Server;
let esl: RawClient;
const lookups: URLSearchParams[] = [];
const clients: SipTestClient[] = [];
// a loaded CI machine (two cores, a real FreeSWITCH beside) can take seconds to set up a WebRTC peer
jest.setTimeout(60_000);

beforeAll(async () => {
  // stands in for Hotline's directory endpoint: same document, same basic auth
  directory = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      lookups.push(form);
      res.setHeader('content-type', 'application/xml');
      if (req.headers.authorization !== `Basic ${Buffer.from(`${XML_USER}:${XML_PASSWORD}`).toString('base64')}`) {
        res.statusCode = 401;
        res.end(NOT_FOUND_XML);
        return;
      }
      const known = form.get('section') === 'directory' && form.get('domain') === DOMAIN && form.get('user') === 'alice';
      res.end(known ? directoryUserXml({ domain: DOMAIN, sipUsername: 'alice', sipPassword: 'alice-secret', agentId: 'a1', displayName: 'Alice' }) : NOT_FOUND_XML);
    });
  });
  await new Promise<void>((r) => directory.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(directory.address() as AddressInfo).port}/api/freeswitch/directory`;
  sim = await startFreeswitchSim({ eslPort: 0, heartbeatMs: 0, sip: { port: 0, xmlCurl: { url, user: XML_USER, password: XML_PASSWORD } } });
  esl = await RawClient.connect(sim.eslPort);
  await esl.next();
  esl.cmd('auth ClueCon');
  await esl.reply();
  esl.cmd('event json CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_PROGRESS CHANNEL_HOLD CHANNEL_UNHOLD BACKGROUND_JOB CUSTOM sofia::register sofia::unregister sofia::expire');
  await esl.reply();
});

afterAll(async () => {
  for (const c of clients) c.close();
  esl?.close();
  await sim?.stop();
  await new Promise((r) => directory.close(r));
});

async function client(user = 'alice'): Promise<SipTestClient> {
  const c = await SipTestClient.connect(sim.sipPort, user, DOMAIN);
  clients.push(c);
  return c;
}

function hv(e: SimpleEvent, k: string): string | undefined {
  const v = e.headers.find(([n]) => n.toLowerCase() === k.toLowerCase())?.[1];
  return Array.isArray(v) ? v[0] : v;
}

async function event(pred: (e: SimpleEvent) => boolean, timeoutMs = 20_000): Promise<SimpleEvent> {
  return toEvent(await esl.next((f) => isEventFrame(f) && pred(toEvent(f)), timeoutMs));
}

const named = (name: string, uuid?: string) => (e: SimpleEvent): boolean => (hv(e, 'Event-Subclass') ?? hv(e, 'Event-Name')) === name && (!uuid || hv(e, 'Unique-ID') === uuid);

async function bgapi(cmd: string): Promise<() => Promise<string>> {
  esl.cmd(`bgapi ${cmd}`);
  const jobUuid = (await esl.reply()).headers.get('Job-UUID');
  return async () => hv(await event((e) => hv(e, 'Event-Name') === 'BACKGROUND_JOB' && hv(e, 'Job-UUID') === jobUuid), '_body') ?? '';
}

async function api(cmd: string): Promise<string> {
  esl.cmd(`api ${cmd}`);
  return (await esl.reply()).body;
}

/** Registers `c` as alice, sends nothing else. */
async function registered(c: SipTestClient): Promise<void> {
  expect((await c.register('alice-secret')).status).toBe(200);
  await event(named('sofia::register'));
}

it('refuses a WebSocket without the sip subprotocol', async () => {
  await expect(SipTestClient.connect(sim.sipPort, 'alice', DOMAIN, 'xmpp')).rejects.toThrow();
});

it('challenges a REGISTER, forbids a bad password and an unknown user, and registers with the right one', async () => {
  const c = await client();
  const challenge = await c.request(c.registerRequest(600));
  expect(challenge.status).toBe(401);
  expect(header(challenge, 'WWW-Authenticate')).toMatch(/^Digest realm="hotline\.local", nonce="[0-9a-f-]{36}", algorithm=MD5, qop="auth"$/);

  expect((await c.register('wrong-password')).status).toBe(403);
  const bob = await client('bob');
  expect((await bob.register('anything')).status).toBe(403);
  // mod_xml_curl's form fields reached the directory
  expect(lookups.some((f) => f.get('action') === 'sip_auth' && f.get('user') === 'bob' && f.get('domain') === DOMAIN && f.get('section') === 'directory')).toBe(true);

  const ok = await c.register('alice-secret', 600);
  expect(ok.status).toBe(200);
  expect(header(ok, 'Contact')).toBe(`<${c.contactUri}>;expires=600`);
  const reg = await event(named('sofia::register'));
  expect(hv(reg, 'from-user')).toBe('alice');
  expect(hv(reg, 'from-host')).toBe(DOMAIN);
  expect(hv(reg, 'expires')).toBe('600');
  expect(hv(reg, 'status')).toBe('Registered(WS-NAT)');
  expect(hv(reg, 'contact')).toMatch(new RegExp(`^"alice" <sip:${c.contactUser}@127\\.0\\.0\\.1:\\d+;transport=ws;fs_nat=yes;fs_path=`));

  // the MWI NOTIFY FreeSWITCH sends on REGISTER
  const mwi = await c.nextRequest('NOTIFY');
  expect(header(mwi, 'Event')).toBe('message-summary');
  expect(header(mwi, 'Content-Type')).toBe('application/simple-message-summary');
  expect(mwi.body).toContain('Messages-Waiting: no');
  expect(mwi.body).toContain(`Message-Account: sip:alice@${DOMAIN}`);
  expect(mwi.uri).toBe(c.contactUri);

  // Expires: 0 unregisters
  const bye = await c.request(c.registerRequest(0, undefined));
  expect(bye.status).toBe(401); // unregister is authenticated too
  const unreg = await c.register('alice-secret', 0);
  expect(unreg.status).toBe(200);
  expect(hv(await event(named('sofia::unregister')), 'from-user')).toBe('alice');
  expect(await api('originate user/alice@hotline.local &park()')).toBe('-ERR USER_NOT_REGISTERED\n');
  c.close();
});

it('sends an INVITE with X-Hotline-Call-Id for an originate; 180/200 answer the leg; the browser BYE hangs it up', async () => {
  const c = await client();
  await registered(c);
  const uuid = '11111111-2222-4333-8444-555555555555';
  const done = await bgapi(`originate {origination_uuid=${uuid},sip_h_X-Hotline-Call-Id=call-42,origination_caller_id_number=4930123}user/alice@${DOMAIN} &park()`);
  const invite = await c.nextRequest('INVITE');
  expect(invite.uri).toBe(c.contactUri);
  expect(header(invite, 'X-Hotline-Call-Id')).toBe('call-42');
  expect(header(invite, 'From')).toMatch(/<sip:4930123@hotline\.local>;tag=/);
  expect(header(invite, 'Content-Type')).toBe('application/sdp');
  expect(invite.body).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111 0 101$/m);
  expect(invite.body).toMatch(/^a=rtpmap:111 opus\/48000\/2$/m);
  expect(invite.body).toMatch(/^a=fingerprint:sha-256 [0-9A-F:]+$/m);
  expect(invite.body).toMatch(/^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/m);
  expect(invite.body).toContain('a=setup:actpass');
  expect(invite.body).toContain('a=end-of-candidates');

  c.reply(invite, 100, 'Trying');
  c.reply(invite, 180, 'Ringing', { toTag: 'ua1' });
  await event(named('CHANNEL_PROGRESS', uuid));
  c.reply(invite, 200, 'OK', { toTag: 'ua1', body: FAKE_ANSWER, headers: [['Contact', `<${c.contactUri}>`]] });
  expect(header(await c.nextRequest('ACK'), 'CSeq')).toMatch(/ ACK$/);
  await event(named('CHANNEL_ANSWER', uuid));
  expect(await done()).toBe(`+OK ${uuid}\n`);

  const bye = c.inDialog(invite, 'BYE', 'ua1', 1);
  expect((await c.request(bye)).status).toBe(200);
  expect(hv(await event(named('CHANNEL_HANGUP', uuid)), 'Hangup-Cause')).toBe('NORMAL_CLEARING');
  c.close();
});

it('re-INVITEs for uuid_hold and sends BYE when the leg is killed', async () => {
  const c = await client();
  await registered(c);
  const uuid = '21111111-2222-4333-8444-555555555555';
  const done = await bgapi(`originate {origination_uuid=${uuid}}user/alice@${DOMAIN} &park()`);
  const invite = await c.nextRequest('INVITE');
  c.reply(invite, 200, 'OK', { toTag: 'ua2', body: FAKE_ANSWER });
  await c.nextRequest('ACK');
  expect(await done()).toBe(`+OK ${uuid}\n`);

  expect(await api(`uuid_hold ${uuid}`)).toBe('+OK Success\n');
  const hold = await c.nextRequest('INVITE');
  expect(header(hold, 'Call-ID')).toBe(header(invite, 'Call-ID'));
  expect(header(hold, 'To')).toContain('tag=ua2');
  expect(hold.body).toMatch(/^a=sendonly$/m);
  c.reply(hold, 200, 'OK', { body: FAKE_ANSWER.replace('a=sendrecv', 'a=recvonly') });
  await c.nextRequest('ACK');
  expect(await api(`uuid_hold off ${uuid}`)).toBe('+OK Success\n');
  const unhold = await c.nextRequest('INVITE');
  expect(unhold.body).toMatch(/^a=sendrecv$/m);
  c.reply(unhold, 200, 'OK', { body: FAKE_ANSWER });
  await c.nextRequest('ACK');

  expect(await api(`uuid_kill ${uuid}`)).toBe('+OK\n');
  const bye = await c.nextRequest('BYE');
  expect(header(bye, 'Call-ID')).toBe(header(invite, 'Call-ID'));
  c.reply(bye, 200, 'OK');
  c.close();
});

it('CANCELs the INVITE when the originate times out, and maps a 486 to USER_BUSY', async () => {
  const c = await client();
  await registered(c);
  const done = await bgapi(`originate {originate_timeout=1}user/alice@${DOMAIN} &park()`);
  const invite = await c.nextRequest('INVITE');
  c.reply(invite, 180, 'Ringing', { toTag: 'ua3' });
  const cancel = await c.nextRequest('CANCEL');
  expect(header(cancel, 'Via')).toBe(header(invite, 'Via'));
  expect(header(cancel, 'CSeq')).toBe(header(invite, 'CSeq')!.replace('INVITE', 'CANCEL'));
  c.reply(cancel, 200, 'OK', { toTag: 'ua3' });
  c.reply(invite, 487, 'Request Terminated', { toTag: 'ua3' });
  expect(header(await c.nextRequest('ACK'), 'Via')).toBe(header(invite, 'Via'));
  expect(await done()).toBe('-ERR NO_ANSWER\n');

  const busy = await bgapi(`originate user/alice@${DOMAIN} &park()`);
  const second = await c.nextRequest('INVITE');
  c.reply(second, 486, 'Busy Here', { toTag: 'ua4' });
  await c.nextRequest('ACK');
  expect(await busy()).toBe('-ERR USER_BUSY\n');
  c.close();
});

it('expires the registration when the WebSocket closes', async () => {
  const c = await client();
  await registered(c);
  c.close();
  const exp = await event(named('sofia::expire'));
  expect(hv(exp, 'user')).toBe('alice');
  expect(hv(exp, 'host')).toBe(DOMAIN);
});
