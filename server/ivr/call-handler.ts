/**
 * Entry point for calls: an outbound ESL session arrives, the dialled number picks the
 * flow, the flow's active version is pinned for this call, and the runner walks it.
 */
import { findBlocking } from '../blacklist/store';
import type { Db } from '../db/pool';
import type { Logger } from '../logging/logger';
import { ReadThroughCache } from '../platform/read-through-cache';
import type { AdmissionControl } from './admission';
import { settledWithin } from '../platform/settled-within';
import type { OutboundSession } from '../telephony';
import { EslCallChannel } from './adapters/esl-channel';
import { createCall, finishCall, PgTrailSink } from './adapters/pg';
import { compileFlow, type CompiledFlow } from './engine/flow';
import type { CallChannel, EnginePorts } from './engine/ports';
import { FlowRunner, type RunResult } from './engine/runner';
import { getVersion, resolveNumber } from './store/flows';

/** Ports shared by every call; the trail is per call. */
export type SharedPorts = Omit<EnginePorts, 'trail'>;

/** What an admission-refused caller hears when the busy prompt is configured. */
const BUSY_PROMPT = '您好，当前线路繁忙，请稍后再拨。';
/** What a caller hears (as SIP 503) when Hotline cannot serve the call at all. */
const CANNOT_SERVE = 'NORMAL_TEMPORARY_FAILURE';

export class IvrCallHandler {
  /** Compiled versions by `flowId:version` (versions are immutable, so this never goes stale). */
  readonly #compiled = new Map<string, CompiledFlow>();
  readonly #active = new Map<string, { channel: CallChannel; done: Promise<unknown> }>();
  #stopping = false;
  /** Always revalidated (a publish or binding takes effect at the next call), stale only when Postgres is slow or down. */
  readonly #numbers: ReadThroughCache<string, Awaited<ReturnType<typeof resolveNumber>>>;
  /** A new blacklist entry applies within a second. */
  readonly #blocking: ReadThroughCache<string, Awaited<ReturnType<typeof findBlocking>>>;

  constructor(
    private readonly db: Db,
    private readonly ports: SharedPorts,
    private readonly log: Logger,
    private readonly admission?: { control: AdmissionControl; refuseWith: 'sip503' | 'busy_prompt' },
  ) {
    this.#numbers = new ReadThroughCache({ load: (n) => resolveNumber(db, n), freshMs: 0 });
    this.#blocking = new ReadThroughCache({ load: (n) => findBlocking(db, 'voice', n), freshMs: 1000 });
  }

  get activeCalls(): number {
    return this.#active.size;
  }

  /** For the telephony service's 'session' event: never throws. */
  onSession(session: OutboundSession): void {
    if (this.#stopping) {
      void session.hangup('SYSTEM_SHUTDOWN').catch(() => undefined);
      return;
    }
    const channel = new EslCallChannel(session);
    const verdict = this.admission?.control.decide(this.#active.size);
    if (verdict && !verdict.admit) {
      session.logger.warn({ reason: verdict.reason, activeCalls: this.#active.size }, 'admission control: refusing a new call');
      const done = this.#refuse(channel, session.logger);
      this.#active.set(session.id, { channel, done });
      void done.finally(() => this.#active.delete(session.id));
      return;
    }
    const done = this.handle(channel, { hotlineCallId: session.channel.hotlineCallId, bindCallId: (id) => session.bindCallId(id), log: session.logger }).catch(async (err: unknown) => {
      // Never leave the caller ringing: a call Hotline cannot serve ends with a clear outcome (503).
      session.logger.error({ err }, 'IVR call handling failed; releasing the caller');
      if (!channel.hungUp) await channel.hangup(CANNOT_SERVE).catch((e: unknown) => session.logger.warn({ err: e }, 'releasing the caller failed (the orphan sweep will)'));
    });
    this.#active.set(session.id, { channel, done });
    void done.finally(() => this.#active.delete(session.id));
  }

  /** Runs the flow bound to the channel's destination number. Exposed for tests and the benchmark. */
  async handle(channel: CallChannel, opts: { hotlineCallId?: string; bindCallId?: (id: string) => void; log?: Logger } = {}): Promise<RunResult | undefined> {
    const log = opts.log ?? this.log;
    // A call id the channel already carries (set by the calls layer) is kept when it is a UUID.
    const knownId = opts.hotlineCallId && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.hotlineCallId) ? opts.hotlineCallId : undefined;
    const number = channel.destinationNumber;
    const binding = await this.#numbers.get(number);
    if (!binding) {
      log.warn({ number }, 'IVR: no published flow is bound to this number; rejecting the call');
      const id = await createCall(this.db, { id: knownId, channelUuid: channel.uuid, callerNumber: channel.callerNumber, destinationNumber: number, flowId: null, flowVersion: null });
      await channel.hangup('UNALLOCATED_NUMBER');
      await finishCall(this.db, id, 'no_flow', null);
      return undefined;
    }
    const blocked = channel.callerNumber ? await this.#blocking.get(channel.callerNumber) : undefined;
    if (blocked) {
      // Blacklisted caller: a message, then released; the call record says why.
      const id = await createCall(this.db, { id: knownId, channelUuid: channel.uuid, callerNumber: channel.callerNumber, destinationNumber: number, flowId: binding.flowId, flowVersion: binding.version });
      await this.db.query("UPDATE calls SET disposition = 'blacklisted' WHERE id = $1", [id]);
      log.info({ callId: id, entry: blocked.id }, 'IVR: blacklisted caller released');
      try {
        await channel.answer();
        await channel.play([await this.ports.prompts.resolve({ text: '抱歉，您的号码暂时无法接入本服务。', lang: 'zh' }, 'zh')]);
      } catch (err) {
        log.debug({ err }, 'blacklist message not played');
      }
      await channel.hangup('CALL_REJECTED');
      await finishCall(this.db, id, 'blacklisted', null);
      return undefined;
    }
    const flow = await this.#flow(binding.flowId, binding.version);
    const callId = await createCall(this.db, { id: knownId, channelUuid: channel.uuid, callerNumber: channel.callerNumber, destinationNumber: number, flowId: binding.flowId, flowVersion: binding.version });
    opts.bindCallId?.(callId);
    const callLog = log.child({ callId, flow: flow.name, version: binding.version });
    const trail = new PgTrailSink(this.db, callLog);
    const result = await new FlowRunner(channel, { ...this.ports, trail }, callLog).run({ callId, flowId: binding.flowId, version: binding.version, flow });
    await finishCall(this.db, callId, result.end, result.variables);
    callLog.info({ end: result.end, visits: result.visits, lastNode: result.lastNode }, 'IVR flow ended');
    return result;
  }

  /**
   * A caller Hotline cannot take now: SIP 503 before answer (the carrier may route elsewhere),
   * or a short busy prompt, then hangup. The record is written after, best effort: refusing
   * must cost less than serving.
   */
  async #refuse(channel: EslCallChannel, log: Logger): Promise<void> {
    try {
      if (this.admission?.refuseWith === 'busy_prompt') {
        await channel.answer();
        await channel.play([await this.ports.prompts.resolve({ text: BUSY_PROMPT, lang: 'zh' }, 'zh')]);
        await channel.hangup('NORMAL_CIRCUIT_CONGESTION');
      } else {
        await channel.hangup(CANNOT_SERVE);
      }
    } catch (err) {
      log.debug({ err }, 'refusing the call: the caller is already gone');
      if (!channel.hungUp) await channel.hangup(CANNOT_SERVE).catch(() => undefined);
    }
    try {
      const id = await createCall(this.db, { channelUuid: channel.uuid, callerNumber: channel.callerNumber, destinationNumber: channel.destinationNumber, flowId: null, flowVersion: null });
      // Complete here: the call never reaches the calls domain that would finalize it.
      await this.db.query("UPDATE calls SET disposition = 'refused', ended_at = coalesce(ended_at, now()), end_cause = coalesce(end_cause, $2) WHERE id = $1", [id, this.admission?.refuseWith === 'busy_prompt' ? 'NORMAL_CIRCUIT_CONGESTION' : CANNOT_SERVE]);
      await finishCall(this.db, id, 'refused', null);
    } catch (err) {
      log.warn({ err }, 'recording a refused call failed');
    }
  }

  async #flow(flowId: string, version: number): Promise<CompiledFlow> {
    const key = `${flowId}:${version}`;
    let flow = this.#compiled.get(key);
    if (!flow) {
      flow = compileFlow((await getVersion(this.db, flowId, version)).definition);
      if (this.#compiled.size > 200) this.#compiled.clear();
      this.#compiled.set(key, flow);
    }
    return flow;
  }

  /** Shutdown: new sessions are refused, calls still in the IVR are hung up, their trails written. */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopping = true;
    const running = [...this.#active.values()];
    await Promise.all(running.map((r) => r.channel.hangup('SYSTEM_SHUTDOWN').catch(() => undefined)));
    await settledWithin(Promise.allSettled(running.map((r) => r.done)), graceMs);
  }
}
