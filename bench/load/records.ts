/**
 * Hotline's call records against what the phones saw (pure). One row per caller that
 * reached Hotline, matched by caller number (unique per run). A row disagrees when:
 *   missing      the switch answered the caller but Hotline wrote no row
 *   duplicate    more than one row for one caller
 *   not_ended    ended_at is still empty
 *   disposition  bridged on SIP but not 'answered', or 'answered' with no bridge on SIP
 *   agent        the row's agent is not the phone that talked to the caller
 *   answered_at  more than ANSWER_TOLERANCE_MS from the agent phone's 200 OK
 *   ended_at     more than END_TOLERANCE_MS from the caller's BYE
 *   started_at   more than START_TOLERANCE_MS after the caller's INVITE
 *   orphan       a row for a number no caller of this run used
 * Tolerances allow for ESL delivery and asynchronous record writes, not for lost updates.
 */
import type { CallRow } from './hotline';
import type { Timeline } from './timeline';

const ANSWER_TOLERANCE_MS = 1000;
const END_TOLERANCE_MS = 2000;
const START_TOLERANCE_MS = 2000;

/** Reasons that are about time: they depend on how loaded the machine is. */
const TIME_REASONS = new Set(['answered_at', 'ended_at', 'started_at']);

export interface RecordCheck {
  record_mismatches: number;
  /** Callers whose row disagrees other than in timestamps (missing, duplicate, not ended, disposition, agent, orphan): a leak, whatever the load. */
  record_state_mismatches: number;
  by_reason: Record<string, number>;
  examples: { caller: string; reason: string; detail: string }[];
}

export function compareRecords(t: Timeline, rows: CallRow[]): RecordCheck {
  const byReason: Record<string, number> = {};
  const examples: RecordCheck['examples'] = [];
  let mismatched = 0;
  let stateMismatched = 0;
  const flag = (caller: string, reasons: [string, string][]): void => {
    if (reasons.length === 0) return;
    mismatched++;
    if (reasons.some(([r]) => !TIME_REASONS.has(r))) stateMismatched++;
    for (const [r, detail] of reasons) {
      byReason[r] = (byReason[r] ?? 0) + 1;
      if (examples.length < 20) examples.push({ caller, reason: r, detail });
    }
  };
  const rowsBy = new Map<string, CallRow[]>();
  for (const r of rows) rowsBy.set(r.caller_number, [...(rowsBy.get(r.caller_number) ?? []), r]);
  const callers = new Set(t.callers.map((c) => c.number));
  for (const [n, rs] of rowsBy) if (!callers.has(n)) flag(n, rs.map((r) => ['orphan', `row ${r.id}`] as [string, string]));

  for (const c of t.callers) {
    const rs = rowsBy.get(c.number) ?? [];
    const reasons: [string, string][] = [];
    if (rs.length === 0) {
      if (c.answered !== undefined) reasons.push(['missing', 'answered by the switch, no row']);
      flag(c.number, reasons);
      continue;
    }
    if (rs.length > 1) reasons.push(['duplicate', `${rs.length} rows`]);
    const r = rs[0]!;
    const talks = t.agentCalls
      .filter((a) => a.caller === c.number && a.answered !== undefined && !a.cancelled && (c.ended === undefined || a.answered <= c.ended))
      .sort((x, y) => x.answered! - y.answered!);
    const talk = talks[0];
    if (!r.ended_at) reasons.push(['not_ended', `row ${r.id} disposition ${r.disposition}`]);
    if (talk && r.disposition !== 'answered') reasons.push(['disposition', `row ${r.id}: ${r.disposition}, but agent ${talk.agent} answered`]);
    if (!talk && r.disposition === 'answered') reasons.push(['disposition', `row ${r.id}: answered, but no agent phone answered`]);
    if (talk && r.agent_number !== talk.agent) reasons.push(['agent', `row ${r.id}: agent ${r.agent_number}, phone ${talk.agent} talked`]);
    if (talk && r.answered_at && Math.abs(r.answered_at.getTime() - talk.answered!) > ANSWER_TOLERANCE_MS) reasons.push(['answered_at', `row ${r.id}: off by ${r.answered_at.getTime() - talk.answered!} ms`]);
    if (r.ended_at && c.ended !== undefined && Math.abs(r.ended_at.getTime() - c.ended) > END_TOLERANCE_MS) reasons.push(['ended_at', `row ${r.id}: off by ${r.ended_at.getTime() - c.ended} ms`]);
    if (r.started_at.getTime() - c.invite > START_TOLERANCE_MS) reasons.push(['started_at', `row ${r.id}: ${r.started_at.getTime() - c.invite} ms after the INVITE`]);
    flag(c.number, reasons);
  }
  return { record_mismatches: mismatched, record_state_mismatches: stateMismatched, by_reason: byReason, examples };
}
