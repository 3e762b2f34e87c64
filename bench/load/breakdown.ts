/**
 * Splits the two latencies of a step recorded with --esl-trace=on into switch time and
 * controller time, from the switch's own event timestamps (esl-events.jsonl) and SIPp's:
 *
 *   caller INVITE → agent INVITE:
 *     sip_to_create       SIPp sends INVITE → FreeSWITCH creates the caller channel
 *     create_to_handoff   → the dialplan hands over: `socket` (Hotline) / `callcenter`
 *     handoff_to_answer   → the caller is answered (Hotline: its first command, after the socket connect and the IVR start)
 *     answer_to_moh       → music on hold starts (Hotline: the queue node has enqueued)
 *     moh_to_bridge       → `bridge` starts on the caller (Hotline: the offer arrived, MOH broken)
 *     bridge_to_leg       → the agent leg's channel exists
 *     handoff_to_leg      → the same from the handoff (mod_callcenter originates from its own thread)
 *     leg_to_invite       → SIPp's agent phone receives the INVITE
 *   agent free → next offer (samples as in agent_free_to_offer_ms):
 *     bye_to_hangup     agent phone's BYE → FreeSWITCH's CHANNEL_HANGUP of that leg
 *     hangup_to_leg     → the next agent leg to that phone exists (controller + originate)
 *     leg_to_invite     → the phone receives the INVITE
 *
 *   npx tsx bench/load/breakdown.ts /tmp/load-runs/real-…/hotline-10cps
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TracedEvent } from './esl-trace';
import { percentile, turnoverSamples } from './metrics';
import { agentCallsFromLog, callersFromLog } from './trace';

const stats = (xs: number[]): { p50: number | null; p95: number | null; n: number } => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), n: s.length };
};

async function breakdown(dir: string): Promise<object> {
  const events = fs
    .readFileSync(path.join(dir, 'esl-events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TracedEvent);
  const callers = await callersFromLog(path.join(dir, 'callers_messages.log'));
  const agentCalls = await agentCallsFromLog(path.join(dir, 'agents_messages.log'));
  const byUuid = new Map<string, TracedEvent[]>();
  for (const e of events) byUuid.set(e.uuid, [...(byUuid.get(e.uuid) ?? []), e]);
  const callerChan = new Map<string, TracedEvent[]>();
  const agentLegs = new Map<string, TracedEvent[][]>(); // by caller number
  const legsByAgent = new Map<string, TracedEvent[][]>();
  for (const evs of byUuid.values()) {
    const create = evs.find((e) => e.name === 'CHANNEL_CREATE');
    if (!create) continue;
    if (create.direction === 'inbound') callerChan.set(create.cid ?? '', evs);
    else {
      agentLegs.set(create.cid ?? '', [...(agentLegs.get(create.cid ?? '') ?? []), evs]);
      const agent = /\/([^/@]+)@/.exec(create.channel)?.[1] ?? '';
      legsByAgent.set(agent, [...(legsByAgent.get(agent) ?? []), evs]);
    }
  }
  const seg: Record<string, number[]> = { sip_to_create: [], create_to_handoff: [], handoff_to_answer: [], answer_to_moh: [], moh_to_bridge: [], bridge_to_leg: [], handoff_to_leg: [], leg_to_invite: [] };
  for (const c of callers) {
    const evs = callerChan.get(c.number);
    const legs = (agentLegs.get(c.number) ?? []).map((l) => l[0]!).sort((a, b) => a.t - b.t);
    const offer = agentCalls.filter((a) => a.caller === c.number).sort((a, b) => a.invite - b.invite)[0];
    if (!evs || !legs[0] || !offer) continue;
    const create = evs.find((e) => e.name === 'CHANNEL_CREATE')!;
    const execs = evs.filter((e) => e.name === 'CHANNEL_EXECUTE').sort((a, b) => a.t - b.t);
    const handoff = execs.find((e) => e.app === 'socket' || e.app === 'callcenter');
    const answer = evs.find((e) => e.name === 'CHANNEL_ANSWER');
    const moh = execs.find((e) => e.app === 'playback' && (e.appData ?? '').includes('local_stream'));
    const bridge = execs.find((e) => e.app === 'bridge');
    const d = (a: TracedEvent | undefined, b: TracedEvent | undefined): number => (a && b ? b.t - a.t : NaN);
    seg.sip_to_create!.push(create.t - c.invite);
    seg.create_to_handoff!.push(d(create, handoff));
    seg.handoff_to_answer!.push(d(handoff, answer));
    seg.answer_to_moh!.push(d(answer, moh));
    seg.moh_to_bridge!.push(d(moh, bridge));
    seg.bridge_to_leg!.push(d(bridge, legs[0]));
    seg.handoff_to_leg!.push(d(handoff, legs[0]));
    seg.leg_to_invite!.push(offer.invite - legs[0].t);
  }
  const turn: Record<string, number[]> = { bye_to_hangup: [], hangup_to_leg: [], leg_to_invite: [] };
  for (const s of turnoverSamples({ callers, agentCalls })) {
    const legs = (legsByAgent.get(s.agent) ?? []).sort((a, b) => a[0]!.t - b[0]!.t);
    const ended = legs.filter((l) => l[0]!.t < s.endedAt).pop();
    const next = legs.find((l) => l[0]!.t >= s.endedAt - 5);
    const hangup = ended?.find((e) => e.name === 'CHANNEL_HANGUP');
    if (!hangup || !next) continue;
    turn.bye_to_hangup!.push(hangup.t - s.endedAt);
    turn.hangup_to_leg!.push(next[0]!.t - hangup.t);
    turn.leg_to_invite!.push(s.next.invite - next[0]!.t);
  }
  return {
    dir,
    invite_to_agent: Object.fromEntries(Object.entries(seg).map(([k, v]) => [k, stats(v)])),
    free_to_offer: Object.fromEntries(Object.entries(turn).map(([k, v]) => [k, stats(v)])),
  };
}

async function main(): Promise<void> {
  for (const dir of process.argv.slice(2)) console.log(JSON.stringify(await breakdown(dir)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
