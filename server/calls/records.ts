/**
 * The call record (CDR) in Postgres: the IVR's `calls` row extended by 0007_calls.sql,
 * its legs, and its timeline. Every method is one statement (or one transaction) and
 * idempotent where a retry could happen; computed times are derived in SQL from the
 * stored timestamps when the call ends, so they never disagree with the timeline.
 */
import type { Db, Queryable } from '../db/pool';

export type LegKind = 'caller' | 'agent' | 'consult' | 'external' | 'customer';

export type Disposition =
  | 'answered'
  | 'abandoned_ivr'
  | 'abandoned_queue'
  | 'abandoned_ringing'
  | 'voicemail'
  | 'blacklisted'
  | 'overflowed'
  | 'ring_no_answer'
  | 'outbound_answered'
  | 'outbound_no_answer'
  | 'outbound_failed'
  | 'refused';

/** Dispositions that put the caller on the callback list. */
export const MISSED: readonly Disposition[] = ['abandoned_queue', 'abandoned_ringing', 'voicemail', 'ring_no_answer', 'overflowed'];

export class CallRecords {
  constructor(private readonly db: Db) {}

  async createOutbound(c: { id: string; channelUuid: string; number: string; serviceNumber: string; agentId: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO calls (id, channel_uuid, caller_number, destination_number, direction, service_number, agent_id, agent_ids)
       VALUES ($1, $2, $3, $4, 'outbound', $3, $5, ARRAY[$5::uuid])`,
      [c.id, c.channelUuid, c.serviceNumber, c.number, c.agentId],
    );
  }

  /*
   * `at`: when it happened. The call path writes through a journal (asynchronously, retried),
   * so a row may be written well after the fact; the time it carries is the fact's.
   */

  async event(callId: string, type: string, agentId: string | null, data: Record<string, unknown> = {}, at?: Date): Promise<void> {
    await this.db.query('INSERT INTO call_events (call_id, type, agent_id, data, at) VALUES ($1, $2, $3, $4, coalesce($5, clock_timestamp()))', [callId, type, agentId, JSON.stringify(data), at ?? null]);
  }

  async legStarted(l: { uuid: string; callId: string; kind: LegKind; agentId?: string | null; number?: string | null; dial?: string | null }, at?: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO call_legs (uuid, call_id, kind, agent_id, number, dial, created_at) VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, clock_timestamp())) ON CONFLICT (uuid) DO NOTHING`,
      [l.uuid, l.callId, l.kind, l.agentId ?? null, l.number ?? null, l.dial ?? null, at ?? null],
    );
  }

  async legAnswered(uuid: string, at?: Date): Promise<void> {
    await this.db.query('UPDATE call_legs SET answered_at = coalesce(answered_at, $2, clock_timestamp()) WHERE uuid = $1', [uuid, at ?? null]);
  }

  async legEnded(uuid: string, outcome: string, cause?: string | null, at?: Date): Promise<void> {
    await this.db.query('UPDATE call_legs SET ended_at = coalesce(ended_at, $4, clock_timestamp()), outcome = coalesce(outcome, $2), end_cause = coalesce(end_cause, $3) WHERE uuid = $1', [uuid, outcome, cause ?? null, at ?? null]);
  }

  async queued(callId: string, q: { skillGroupId: string | null; serviceNumber: string }, at?: Date): Promise<void> {
    await this.db.query(
      `UPDATE calls SET queued_at = coalesce(queued_at, $4, clock_timestamp()), skill_group_id = coalesce($2, skill_group_id), service_number = coalesce(service_number, $3) WHERE id = $1`,
      [callId, q.skillGroupId, q.serviceNumber, at ?? null],
    );
  }

  async offered(callId: string, at?: Date): Promise<void> {
    await this.db.query('UPDATE calls SET offer_count = offer_count + 1, first_offered_at = coalesce(first_offered_at, $2, clock_timestamp()) WHERE id = $1', [callId, at ?? null]);
  }

  async answered(callId: string, agentId: string | null, at?: Date): Promise<void> {
    await this.db.query(
      `UPDATE calls SET answered_at = coalesce(answered_at, $3, clock_timestamp()), agent_id = coalesce($2, agent_id),
              agent_ids = CASE WHEN $2::uuid IS NULL OR $2::uuid = ANY(agent_ids) THEN agent_ids ELSE agent_ids || $2::uuid END
        WHERE id = $1`,
      [callId, agentId, at ?? null],
    );
  }

  async held(callId: string, ms: number): Promise<void> {
    await this.db.query('UPDATE calls SET hold_ms = hold_ms + $2, hold_count = hold_count + 1 WHERE id = $1', [callId, Math.max(0, Math.round(ms))]);
  }

  async transferred(callId: string): Promise<void> {
    await this.db.query('UPDATE calls SET transfer_count = transfer_count + 1 WHERE id = $1', [callId]);
  }

  async agentLeft(callId: string, at?: Date): Promise<void> {
    await this.db.query('UPDATE calls SET agent_left_at = coalesce($2, clock_timestamp()) WHERE id = $1', [callId, at ?? null]);
  }

  /** A disposition known before the end (blacklisted, abandoned while ringing, ...); the first one set wins. */
  async hint(callId: string, disposition: Disposition): Promise<void> {
    await this.db.query('UPDATE calls SET disposition = coalesce(disposition, $2) WHERE id = $1', [callId, disposition]);
  }

  async setRecording(callId: string, recordingId: string): Promise<void> {
    await this.db.query('UPDATE calls SET recording_id = $2 WHERE id = $1', [callId, recordingId]);
  }

  /**
   * An agent left wrap_up (ACD presence event, `endedAt` = its `since`): if the state before
   * it in the presence history was wrap_up, that wrap-up belongs to the contact the agent
   * completed last (the `contact_completed` timeline row). Sets the leg's wrap_up_ms and
   * the call's (the call's is its latest agent wrap-up). Idempotent: every process hears the
   * event and only the first update of the leg counts.
   */
  async wrapUpEnded(agentId: string, endedAt: Date): Promise<{ callId: string; wrapUpMs: number } | undefined> {
    const { rows } = await this.db.query<{ id: string; wrap_up_ms: number }>(
      `WITH prev AS (SELECT state, at FROM agent_presence_log WHERE user_id = $1 AND at < $2 ORDER BY at DESC, id DESC LIMIT 1),
       w AS (SELECT e.call_id, e.data->>'legUuid' AS leg, prev.at AS started FROM prev, call_events e
              WHERE prev.state = 'wrap_up' AND e.type = 'contact_completed' AND e.agent_id = $1 AND e.at >= prev.at - interval '1 minute'
              ORDER BY e.id DESC LIMIT 1),
       leg AS (UPDATE call_legs l SET wrap_up_ms = greatest(0, (extract(epoch FROM $2::timestamptz - w.started) * 1000)::int)
                 FROM w WHERE l.uuid = w.leg AND l.wrap_up_ms IS NULL RETURNING l.call_id, l.wrap_up_ms)
       UPDATE calls c SET wrap_up_ms = leg.wrap_up_ms FROM leg WHERE c.id = leg.call_id RETURNING c.id, c.wrap_up_ms`,
      [agentId, endedAt],
    );
    const r = rows[0];
    return r ? { callId: r.id, wrapUpMs: r.wrap_up_ms } : undefined;
  }

  /** Whether the flow version the call entered has this node (a blind transfer to an IVR node needs one). */
  async flowHasNode(callId: string, node: string): Promise<boolean> {
    const { rows } = await this.db.query<{ ok: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM calls c JOIN ivr_flow_versions v ON v.flow_id = c.flow_id AND v.version = c.flow_version
                        CROSS JOIN jsonb_array_elements(v.definition->'nodes') n WHERE c.id = $1 AND n->>'id' = $2) AS ok`,
      [callId, node],
    );
    return rows[0]?.ok ?? false;
  }

  async idByChannel(uuid: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_uuid = $1 AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1', [uuid]);
    return rows[0]?.id;
  }

  /**
   * The call ended (its caller channel is gone): end time, disposition (the hint, or what
   * the timestamps say), computed times, repeat-caller flags, the survey answer copied to
   * the call and credited to the agent, and a callback entry for a missed call. Idempotent.
   */
  async finalize(callId: string, cause: string | null, at: Date = new Date()): Promise<{ disposition: Disposition; agentIds: string[] } | undefined> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ disposition: Disposition; agent_ids: string[] }>(
        `WITH rings AS (
           SELECT call_id, sum(extract(epoch FROM coalesce(answered_at, ended_at, $3::timestamptz) - created_at) * 1000)::int AS ring_ms
             FROM call_legs WHERE call_id = $1 AND kind IN ('agent', 'consult', 'customer') GROUP BY call_id),
         survey AS (SELECT level1_label, level2_label FROM survey_results WHERE call_id = $1 ORDER BY created_at DESC LIMIT 1)
         UPDATE calls c SET
           ended_at = $3::timestamptz,
           end_cause = $2,
           disposition = coalesce(c.disposition,
             CASE WHEN c.answered_at IS NOT NULL THEN CASE WHEN c.direction = 'outbound' THEN 'outbound_answered' ELSE 'answered' END
                  WHEN c.direction = 'outbound' THEN 'outbound_failed'
                  WHEN EXISTS (SELECT 1 FROM voicemails v WHERE v.call_id = c.id) THEN 'voicemail'
                  WHEN c.offer_count > 0 THEN 'ring_no_answer'
                  WHEN c.queued_at IS NOT NULL THEN 'abandoned_queue'
                  ELSE 'abandoned_ivr' END),
           queue_wait_ms = CASE WHEN c.queued_at IS NULL THEN NULL ELSE (extract(epoch FROM coalesce(c.answered_at, $3::timestamptz) - c.queued_at) * 1000)::int END,
           ring_ms = (SELECT ring_ms FROM rings),
           talk_ms = CASE WHEN c.answered_at IS NULL THEN NULL ELSE greatest(0, (extract(epoch FROM coalesce(c.agent_left_at, $3::timestamptz) - c.answered_at) * 1000)::int - c.hold_ms) END,
           survey_level1 = (SELECT level1_label FROM survey),
           survey_level2 = (SELECT level2_label FROM survey),
           repeat_24h = EXISTS (SELECT 1 FROM calls p WHERE p.caller_number = c.caller_number AND p.id <> c.id AND p.direction = c.direction AND c.caller_number <> ''
                                  AND p.started_at < c.started_at AND p.started_at >= c.started_at - interval '24 hours'),
           repeat_48h = EXISTS (SELECT 1 FROM calls p WHERE p.caller_number = c.caller_number AND p.id <> c.id AND p.direction = c.direction AND c.caller_number <> ''
                                  AND p.started_at < c.started_at AND p.started_at >= c.started_at - interval '48 hours')
         WHERE c.id = $1 AND c.ended_at IS NULL
         RETURNING c.disposition, c.agent_ids`,
        [callId, cause, at],
      );
      const row = rows[0];
      if (!row) {
        await client.query('ROLLBACK');
        return undefined;
      }
      await client.query('UPDATE survey_results s SET agent_id = c.agent_id FROM calls c WHERE s.call_id = c.id AND c.id = $1 AND s.agent_id IS NULL', [callId]);
      await client.query('UPDATE call_legs SET ended_at = $3::timestamptz, outcome = coalesce(outcome, $2) WHERE call_id = $1 AND ended_at IS NULL', [callId, 'call_ended', at]);
      if ((MISSED as readonly string[]).includes(row.disposition)) {
        await client.query(
          `INSERT INTO call_callbacks (call_id, number, reason) SELECT id, caller_number, $2 FROM calls WHERE id = $1 AND direction = 'inbound' AND caller_number <> '' ON CONFLICT (call_id) DO NOTHING`,
          [callId, row.disposition],
        );
      }
      await client.query('INSERT INTO call_events (call_id, type, data) VALUES ($1, $2, $3)', [callId, 'ended', JSON.stringify({ disposition: row.disposition, cause })]);
      await client.query('COMMIT');
      return { disposition: row.disposition, agentIds: row.agent_ids };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

export async function groupIdByName(q: Queryable, name: string): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM skill_groups WHERE lower(name) = lower($1) OR id::text = $1 ORDER BY created_at LIMIT 1', [name]);
  return rows[0]?.id;
}

/** How to reach an agent's phone: the registered softphone, or their external number through the gateway. */
export async function agentDialTarget(q: Queryable, agentId: string, gatewayDial: string, sipDomain: string): Promise<string | undefined> {
  const { rows } = await q.query<{ sip: string; mode: string; ext: string | null }>('SELECT sip_username AS sip, mode, external_number AS ext FROM agent_endpoints WHERE user_id = $1', [agentId]);
  const e = rows[0];
  if (!e) return undefined;
  if (e.mode === 'external' && e.ext) return gatewayDial.replace('{number}', e.ext);
  // With the domain: a bare user/NAME is looked up in FreeSWITCH's own default domain, where Hotline's agents are not.
  return `user/${e.sip}@${sipDomain}`;
}
