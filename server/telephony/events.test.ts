import { normalizeEvent, type TelephonyEvent } from './events';
import { readFixture, receivedStream } from './testing/fixtures';
import { parseFrames } from './testing/parse-frames';

function typedEvents(file: string): TelephonyEvent[] {
  return parseFrames(receivedStream(readFixture(file)))
    .filter((f) => f.event)
    .map((f) => normalizeEvent(f.event!, 'fs1:8021'))
    .filter((e): e is TelephonyEvent => e !== undefined);
}

describe('event normalisation against real fixtures', () => {
  it('hold / unhold (fixture c): on both SIP ends, in order', () => {
    const holds = typedEvents('c_uuid_hold.txt').filter((e) => e.type === 'channel.hold' || e.type === 'channel.unhold');
    expect(holds.length).toBeGreaterThanOrEqual(4);
    expect(holds[0]).toMatchObject({ type: 'channel.hold', node: 'fs1:8021', uuid: '53d9774d-4744-4c8b-8cc3-c9e046123447', direction: 'outbound' });
    expect(holds.map((h) => h.type)).toContain('channel.unhold');
    expect(holds[0]!.at).toBe(Math.floor(1795301012374958 / 1000));
  });

  it('bridge (fixture b): one CHANNEL_BRIDGE on the A leg, UNBRIDGE on the same leg', () => {
    const events = typedEvents('b_api_originate_uuid_bridge.txt');
    const bridges = events.filter((e) => e.type === 'channel.bridge');
    expect(bridges).toHaveLength(1);
    expect(bridges[0]).toMatchObject({
      uuid: '0cf5e822-b1f6-49a4-ba2a-615480622ef0',
      aUuid: '0cf5e822-b1f6-49a4-ba2a-615480622ef0',
      bUuid: '583bedd6-8dfc-4337-b6a5-7f1ac96afee8',
      otherUuid: '583bedd6-8dfc-4337-b6a5-7f1ac96afee8',
    });
    const unbridge = events.find((e) => e.type === 'channel.unbridge');
    expect(unbridge).toMatchObject({ uuid: '0cf5e822-b1f6-49a4-ba2a-615480622ef0' });
    const hangups = events.filter((e) => e.type === 'channel.hangup_complete');
    expect(hangups.length).toBeGreaterThanOrEqual(2);
  });

  it('DTMF (fixture a): one event per digit including #, 1600 samples = 200 ms', () => {
    const digits = typedEvents('a_inbound_sipp_ivr_dtmf_record.txt').filter((e) => e.type === 'dtmf');
    expect(digits.map((d) => (d.type === 'dtmf' ? d.digit : '')).join('')).toBe('1234#');
    expect(digits[0]).toMatchObject({ durationMs: 200, source: 'RTP', uuid: 'c102f65a-cb08-4396-8a67-254206bee9b0' });
  });

  it('playback and record start/stop (fixture a)', () => {
    const events = typedEvents('a_inbound_sipp_ivr_dtmf_record.txt');
    expect(events.find((e) => e.type === 'playback.start')).toMatchObject({ file: '/srv/freeswitch/share/freeswitch/sounds/custom/welcome.wav' });
    expect(events.find((e) => e.type === 'playback.stop')).toMatchObject({ status: 'done' });
    expect(events.find((e) => e.type === 'record.start')).toMatchObject({ file: '/var/fsrec/ivr_c102f65a-cb08-4396-8a67-254206bee9b0.wav' });
    expect(events.find((e) => e.type === 'record.stop')).toMatchObject({ completionCause: 'success-maxtime' });
    expect(events.find((e) => e.type === 'channel.hangup_complete')).toMatchObject({ cause: 'NORMAL_CLEARING', billsec: 16 });
  });

  it('uuid_record start/stop (fixture f)', () => {
    const rec = typedEvents('f_uuid_record.txt').filter((e) => e.type === 'record.start' || e.type === 'record.stop');
    expect(rec.map((r) => r.type)).toEqual(['record.start', 'record.stop']);
  });

  it('conference members (fixture e): add/del with global member ids; other actions ignored', () => {
    const members = typedEvents('e_conference_3party.txt').filter((e) => e.type === 'conference.member_add' || e.type === 'conference.member_del');
    const adds = members.filter((m) => m.type === 'conference.member_add');
    const dels = members.filter((m) => m.type === 'conference.member_del');
    expect(adds).toHaveLength(3);
    expect(dels).toHaveLength(3);
    expect(adds[0]).toMatchObject({ conference: 'fixture_conf' });
    for (const m of members) if (m.type === 'conference.member_add') expect(m.memberId).toBeGreaterThan(0);
  });

  it('background jobs (fixture e2): ours and foreign ones all normalise, ok from the body', () => {
    const jobs = typedEvents('e2_conference_foreign_bgapi_jobs.txt').filter((e) => e.type === 'background_job');
    expect(jobs.length).toBe(5);
    const bogus = jobs.filter((j) => j.type === 'background_job' && j.command === 'bogus_command_xyz');
    expect(bogus).toHaveLength(2);
    expect(bogus[0]).toMatchObject({ ok: false, body: '-ERR bogus_command_xyz Command not found!\n' });
    expect(jobs.find((j) => j.type === 'background_job' && j.command === 'originate')).toMatchObject({ ok: true });
  });

  it('hotline_call_id becomes callId', () => {
    const frames = parseFrames(receivedStream(readFixture('a_inbound_sipp_ivr_dtmf_record.txt')));
    const create = frames.find((f) => f.event?.name === 'CHANNEL_CREATE')!.event!;
    const withId = { ...create, headers: { ...create.headers, variable_hotline_call_id: 'call-7' } };
    expect(normalizeEvent(withId, 'n')).toMatchObject({ type: 'channel.create', callId: 'call-7', destinationNumber: '4000' });
  });

  it('sofia::register / unregister / expire', () => {
    const ev = (subclass: string, headers: Record<string, string>) => normalizeEvent({ name: 'CUSTOM', subclass, headers: { 'Event-Name': 'CUSTOM', 'Event-Subclass': subclass, ...headers }, body: '' }, 'n');
    expect(ev('sofia::register', { 'profile-name': 'internal', 'from-user': '1001', 'from-host': 'example.com', contact: '<sip:1001@10.0.0.9>', expires: '300', 'network-ip': '10.0.0.9', 'network-port': '5060', 'user-agent': 'sip.js' })).toMatchObject({
      type: 'registration.register',
      user: '1001',
      host: 'example.com',
      expires: 300,
      networkPort: 5060,
    });
    expect(ev('sofia::unregister', { 'from-user': '1001', 'from-host': 'example.com' })).toMatchObject({ type: 'registration.unregister', user: '1001' });
    expect(ev('sofia::expire', { user: '1001', host: 'example.com' })).toMatchObject({ type: 'registration.expire', user: '1001', host: 'example.com' });
  });

  it('ignores events the call model does not use', () => {
    expect(typedEvents('k_mod_callcenter_queue.txt').some((e) => (e.type as string).startsWith('callcenter'))).toBe(false);
  });
});
