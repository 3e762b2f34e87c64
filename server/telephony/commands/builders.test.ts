import { ValidationError } from '../../platform/errors';
import { readFixture } from '../testing/fixtures';
import { parseConferenceList, parseShowChannels, parseSofiaStatus } from './parsers';
import {
  buildConference,
  buildOriginate,
  buildUuidBridge,
  buildUuidBroadcast,
  buildUuidGetvar,
  buildUuidHold,
  buildUuidKill,
  buildUuidRecord,
  buildUuidSetvar,
  buildUuidTransfer,
  buildUuidTransferInline,
  buildVariableBlock,
  escapeVariableValue,
} from './builders';

const A = '0cf5e822-b1f6-49a4-ba2a-615480622ef0';
const B = '583bedd6-8dfc-4337-b6a5-7f1ac96afee8';

describe('command builders', () => {
  it('originate matches the fixture command shape', () => {
    // fixture b: api originate {origination_uuid=...,origination_caller_id_number=2001,origination_caller_id_name=LegA}sofia/external/5001@127.0.0.1:5060 &park()
    expect(buildOriginate({ endpoint: 'sofia/external/5001@127.0.0.1:5060', uuid: A, callerIdNumber: '2001', callerIdName: 'LegA', destination: { app: 'park' } })).toBe(
      `originate {origination_uuid=${A},origination_caller_id_number=2001,origination_caller_id_name=LegA}sofia/external/5001@127.0.0.1:5060 &park()`,
    );
    const sent = readFixture('b_api_originate_uuid_bridge.txt').find((r) => r.dir === '>>' && r.text.startsWith('api originate'))!;
    expect(sent.text.trim()).toBe(`api ${buildOriginate({ endpoint: 'sofia/external/5001@127.0.0.1:5060', uuid: A, callerIdNumber: '2001', callerIdName: 'LegA', destination: { app: 'park' } })}`);
  });

  it('originate with call id, timeout, variables and an extension destination', () => {
    expect(
      buildOriginate({ endpoint: 'user/1001', uuid: A, callId: 'c-1', timeoutSec: 20, callerIdName: 'Support Line', variables: { sip_h_X_Note: 'a,b', ignore_early_media: true }, destination: { extension: '4000', context: 'public' } }),
    ).toBe(`originate {origination_uuid=${A},hotline_call_id=c-1,originate_timeout=20,origination_caller_id_name='Support Line',sip_h_X_Note=a\\,b,ignore_early_media=true}user/1001 4000 XML public`);
    expect(buildOriginate({ endpoint: 'loopback/3000/public', destination: { extension: '3000' } })).toBe('originate loopback/3000/public 3000');
    expect(buildOriginate({ endpoint: 'user/1001', destination: { app: 'playback', arg: '/tmp/a.wav' } })).toBe('originate user/1001 &playback(/tmp/a.wav)');
  });

  it('escapes variable values the FreeSWITCH way', () => {
    expect(escapeVariableValue("it's")).toBe("it\\'s");
    expect(escapeVariableValue('a\\b')).toBe('a\\\\b');
    expect(escapeVariableValue('x y,z')).toBe("'x y\\,z'");
    expect(escapeVariableValue('')).toBe("''");
    expect(buildVariableBlock({})).toBe('');
  });

  it.each([
    [() => buildOriginate({ endpoint: 'user/1001 &park()', destination: { app: 'park' } }), 'endpoint with a space'],
    [() => buildOriginate({ endpoint: 'user/1001', destination: { app: 'park' }, variables: { 'bad name': 'x' } }), 'variable name'],
    [() => buildOriginate({ endpoint: 'user/1001', destination: { app: 'park' }, variables: { x: 'a}b' } }), 'brace in value'],
    [() => buildOriginate({ endpoint: 'user/1001', destination: { app: 'park' }, variables: { x: 'a\nb' } }), 'newline in value'],
    [() => buildOriginate({ endpoint: 'user/1001', destination: { app: 'park' }, timeoutSec: 0 }), 'zero timeout'],
    [() => buildUuidKill('a b'), 'uuid with space'],
    [() => buildUuidKill(A, 'normal clearing'), 'bad cause'],
    [() => buildUuidRecord(A, 'start', '/tmp/a b.wav'), 'path with space'],
    [() => buildUuidTransferInline({ uuid: A, apps: [{ app: 'playback', arg: 'a,b' }] }), 'comma in inline arg'],
    [() => buildConference('room 1', { action: 'list' }), 'conference name with space'],
  ])('rejects unsafe input: %#', (fn) => {
    expect(fn).toThrow(ValidationError);
  });

  it('uuid_* commands', () => {
    expect(buildUuidBridge(A, B)).toBe(`uuid_bridge ${A} ${B}`);
    expect(buildUuidHold(A)).toBe(`uuid_hold ${A}`);
    expect(buildUuidHold(A, 'off')).toBe(`uuid_hold off ${A}`);
    expect(buildUuidHold(A, 'toggle')).toBe(`uuid_hold toggle ${A}`);
    expect(buildUuidTransfer({ uuid: B, destination: '4100', dialplan: 'XML', context: 'public' })).toBe(`uuid_transfer ${B} 4100 XML public`);
    expect(buildUuidTransfer({ uuid: B, destination: '3000', context: 'public', leg: 'bleg' })).toBe(`uuid_transfer ${B} -bleg 3000 XML public`);
    expect(buildUuidTransfer({ uuid: B, destination: '3000', leg: 'both' })).toBe(`uuid_transfer ${B} -both 3000`);
    expect(buildUuidTransferInline({ uuid: A, apps: [{ app: 'answer' }, { app: 'playback', arg: '/tmp/x.wav' }] })).toBe(`uuid_transfer ${A} 'answer,playback:/tmp/x.wav' inline`);
    expect(buildUuidKill(A)).toBe(`uuid_kill ${A}`);
    expect(buildUuidKill(A, 'USER_BUSY')).toBe(`uuid_kill ${A} USER_BUSY`);
    expect(buildUuidRecord(A, 'start', '/var/fsrec/a.wav', 60)).toBe(`uuid_record ${A} start /var/fsrec/a.wav 60`);
    expect(buildUuidRecord(A, 'mask', '/var/fsrec/a.wav')).toBe(`uuid_record ${A} mask /var/fsrec/a.wav`);
    expect(buildUuidRecord(A, 'unmask', '/var/fsrec/a.wav')).toBe(`uuid_record ${A} unmask /var/fsrec/a.wav`);
    expect(buildUuidRecord(A, 'stop', '/var/fsrec/a.wav')).toBe(`uuid_record ${A} stop /var/fsrec/a.wav`);
    expect(buildUuidBroadcast(A, '/tmp/hello.wav', 'both')).toBe(`uuid_broadcast ${A} /tmp/hello.wav both`);
    expect(buildUuidSetvar(A, 'hotline_call_id', 'c-1')).toBe(`uuid_setvar ${A} hotline_call_id c-1`);
    expect(buildUuidSetvar(A, 'foo')).toBe(`uuid_setvar ${A} foo`);
    expect(buildUuidGetvar(A, 'outbound_digits')).toBe(`uuid_getvar ${A} outbound_digits`);
  });

  it('conference commands as in fixture e', () => {
    expect(buildConference('fixture_conf', { action: 'list' })).toBe('conference fixture_conf list');
    expect(buildConference('fixture_conf', { action: 'list_count' })).toBe('conference fixture_conf list count');
    expect(buildConference('fixture_conf', { action: 'mute', member: 2 })).toBe('conference fixture_conf mute 2');
    expect(buildConference('fixture_conf', { action: 'unmute', member: 2 })).toBe('conference fixture_conf unmute 2');
    expect(buildConference('fixture_conf', { action: 'kick', member: 3 })).toBe('conference fixture_conf kick 3');
    expect(buildConference('fixture_conf', { action: 'hup', member: 'all' })).toBe('conference fixture_conf hup all');
    expect(buildConference('fixture_conf', { action: 'play', path: '/tmp/a.wav' })).toBe('conference fixture_conf play /tmp/a.wav');
    expect(buildConference('fixture_conf', { action: 'record', path: '/tmp/c.wav' })).toBe('conference fixture_conf record /tmp/c.wav');
  });
});

describe('result parsers', () => {
  it('show channels as json (fixture b) and the empty form', () => {
    const frame = readFixture('b_api_originate_uuid_bridge.txt').find((r) => r.dir === '<<' && r.text.includes('"row_count"'))!;
    const rows = parseShowChannels(frame.text.slice(frame.text.indexOf('\n\n') + 2));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatchObject({ uuid: A, direction: 'outbound', application: 'uuid_bridge', callState: 'ACTIVE', createdEpoch: 1795300978 });
    expect(parseShowChannels('{"row_count":0}')).toEqual([]);
  });

  it('conference list (fixture e)', () => {
    const frame = readFixture('e_conference_3party.txt').find((r) => r.dir === '<<' && /\n\n\d+;/.test(r.text))!;
    const members = parseConferenceList(frame.text.slice(frame.text.indexOf('\n\n') + 2));
    expect(members.length).toBe(3);
    expect(members[0]).toMatchObject({ canHear: true });
    expect(members.every((m) => m.uuid.length === 36)).toBe(true);
  });

  it('sofia status table', () => {
    const body = [
      '                     Name\t   Type\t                                      Data\tState',
      '=================================================================================================',
      '                 internal\tprofile\t           sip:mod_sofia@192.0.2.2:5060\tRUNNING (0)',
      '              external::gw\tgateway\t                   sip:joe@example.com\tNOREG',
      '=================================================================================================',
      '1 profile 0 aliases',
    ].join('\n');
    expect(parseSofiaStatus(body)).toEqual([
      { name: 'internal', type: 'profile', data: 'sip:mod_sofia@192.0.2.2:5060', state: 'RUNNING (0)' },
      { name: 'external::gw', type: 'gateway', data: 'sip:joe@example.com', state: 'NOREG' },
    ]);
  });
});
