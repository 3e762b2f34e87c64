/** bench/load's pure parts: SIPp message parsing and the phone-side metrics. */
import { phoneMetrics } from '../../bench/load/metrics';
import { compareRecords } from '../../bench/load/records';
import { parseMessage } from '../../bench/load/trace';
import type { Timeline } from '../../bench/load/timeline';

describe('bench/load metrics', () => {
  test('parses a SIPp-logged INVITE and response', () => {
    const invite = parseMessage(1000, 'received', ['INVITE sip:53001@192.0.2.2:5300 SIP/2.0', 'From: "load" <sip:1391@192.0.2.2>;tag=x', 'Call-ID: abc', 'CSeq: 1 INVITE', '', 'v=0']);
    expect(invite).toEqual({ at: 1000, dir: 'received', method: 'INVITE', ruriUser: '53001', callId: 'abc', fromUser: '1391', cseqMethod: 'INVITE' });
    const ok = parseMessage(1001, 'sent', ['SIP/2.0 200 OK', 'Call-ID: abc', 'CSeq: 1 INVITE']);
    expect(ok).toMatchObject({ status: 200, cseqMethod: 'INVITE' });
  });

  const t: Timeline = {
    callers: [
      { number: '1', invite: 0, answered: 10, ended: 6000, endedBy: 'far' },
      { number: '2', invite: 100, answered: 110, ended: 12000, endedBy: 'far' },
      { number: '3', invite: 200, answered: 210, ended: 3000, endedBy: 'caller' },
      { number: '4', invite: 300, refused: 503, ended: 310 },
    ],
    agentCalls: [
      { agent: 'a', caller: '1', invite: 50, answered: 550, ended: 6000 },
      { agent: 'a', caller: '2', invite: 6100, answered: 6600, ended: 12000 },
      { agent: 'b', caller: '2', invite: 150, answered: 650, ended: 5000 },
    ],
  };

  test('bridges, abandonment, refusals, double bridges, overlaps and turnover', () => {
    const m = phoneMetrics(t);
    expect(m).toMatchObject({ placed: 4, bridged: 2, abandoned: 1, abandoned_gave_up: 1, failed: 1, refused: 1, double_bridges: 1, overlapping_agents: 0, open_sip_calls: 0 });
    // Agent a freed at 6000 while caller 2 was... already bridged by b: nobody waited, no sample.
    expect(m.agent_free_to_offer_ms.samples).toBe(0);
    expect(m.invite_to_agent_ms.p50).toBe(50);
  });

  test('records that disagree with SIP are counted', () => {
    const rows = [
      { id: 'r1', caller_number: '1', disposition: 'answered', started_at: new Date(5), answered_at: new Date(560), ended_at: new Date(6010), agent_number: 'a' },
      { id: 'r3', caller_number: '3', disposition: 'answered', started_at: new Date(205), answered_at: new Date(300), ended_at: new Date(3000), agent_number: 'b' },
    ];
    const r = compareRecords({ callers: t.callers.slice(0, 3), agentCalls: t.agentCalls.slice(0, 1) }, rows);
    expect(r.by_reason).toEqual({ disposition: 1, missing: 1 });
    expect(r.record_mismatches).toBe(2);
  });
});
