/**
 * The calls module: queue → agent (the IVR queue node's QueuePort, service 'ivr.queue',
 * and the ACD's voice OfferSink), call control, click-to-call, call records, callbacks,
 * live call events (realtime hub + signed webhooks), and SIP registration → ACD presence.
 *
 * Needs: telephony.nodes, telephony.outbound, routing, recordings, realtime, blacklist.
 * Provides: 'ivr.queue' (CallSessions), 'calls' (CallsService).
 */
import path from 'node:path';
import { BLACKLIST } from '../blacklist/module';
import { QUEUE_SERVICE } from '../ivr/adapters/routing';
import { PromptLibrary } from '../ivr/prompts/library';
import { need, provide, type HotlineModule } from '../module';
import { REALTIME_SERVICE } from '../realtime/module';
import { RECORDINGS } from '../recordings/module';
import type { RoutingEngine } from '../routing/engine';
import { ROUTING_SERVICE } from '../routing/module';
import type { TelephonyEvent, TelephonyNodes } from '../telephony';
import { TELEPHONY_NODES, TELEPHONY_OUTBOUND } from '../telephony/module';
import { ClickToCall } from './click-to-call';
import { CallControl } from './control';
import { CallEventBus } from './events';
import { CallExports } from './exports';
import { ReadThroughCache } from '../platform/read-through-cache';
import { withRetry, WRITE_RETRY } from '../platform/retry';
import { agentDialTarget, CallRecords } from './records';
import { callRoutes } from './routes';
import { CallSessions } from './sessions';
import { WebhookSender } from './webhooks';

export const CALLS_SERVICE = 'calls';

export interface CallsService {
  sessions: CallSessions;
  clickToCall: ClickToCall;
  records: CallRecords;
  bus: CallEventBus;
  exports: CallExports;
  /** Call control wherever the call lives (this process or, over Redis, the one holding its socket). */
  control: CallControl;
  /** Settles when every finalisation started so far is written (tests, shutdown). */
  idle(): Promise<void>;
}

export function callsModule(): HotlineModule {
  let sessions: CallSessions | undefined;
  let clickToCall: ClickToCall | undefined;
  let webhooks: WebhookSender | undefined;
  let callExports: CallExports | undefined;
  let control: CallControl | undefined;
  let nodes: TelephonyNodes | undefined;
  let onEvent: ((e: TelephonyEvent) => void) | undefined;
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  return {
    name: 'calls',
    async start(ctx) {
      const log = ctx.log.child({ module: 'calls' });
      nodes = need(ctx, TELEPHONY_NODES);
      const outbound = need(ctx, TELEPHONY_OUTBOUND);
      const acd = need(ctx, ROUTING_SERVICE);
      const recordings = need(ctx, RECORDINGS);
      const hub = need(ctx, REALTIME_SERVICE);
      const blacklist = need(ctx, BLACKLIST);
      const cfg = ctx.config.calls;
      if (ctx.config.webhook.url && ctx.config.webhook.secret) {
        webhooks = new WebhookSender({ url: ctx.config.webhook.url, secret: ctx.config.webhook.secret, redisUrl: ctx.redisUrl, prefix: ctx.config.redisPrefix, log });
      }
      const bus = new CallEventBus({ publish: (topics, event) => hub.publish(topics, event), webhook: webhooks ? (e) => webhooks!.send(e) : undefined }, log);
      const records = new CallRecords(ctx.db);
      const prompts = new PromptLibrary(ctx.db, ctx.config.mediaDir, ctx.config.tools, log);
      // On every offer: revalidated each time (an endpoint change applies to the next call), the last answer when Postgres is slow.
      const dials = new ReadThroughCache<string, string | undefined>({ load: (agentId) => agentDialTarget(ctx.db, agentId, cfg.gatewayDial, ctx.config.sip.domain), freshMs: 0 });
      const agentDial = (agentId: string) => dials.get(agentId);
      const isBlocked = async (number: string) => Boolean(await blacklist.blocking('voice', number));
      control = new CallControl({ redisUrl: ctx.redisUrl, prefix: ctx.config.redisPrefix, instanceId: acd.instanceId, local: { get: (id) => sessions?.get(id) }, log });
      await control.start();
      sessions = new CallSessions(ctx.db, outbound, {
        esl: nodes,
        acd,
        records,
        bus,
        agentDial,
        gatewayDial: cfg.gatewayDial,
        holdMusic: cfg.holdMusic,
        announceIntervalSec: cfg.announceIntervalSec,
        speak: (text) => prompts.resolve({ text, lang: 'zh' }, 'zh'),
        recordingsDir: path.join(ctx.config.mediaDir, 'recordings', 'calls'),
        registerRecording: (r) => recordings.register(r),
        isBlocked,
        log,
      }, control);
      callExports = new CallExports({ db: ctx.db, redisUrl: ctx.redisUrl, prefix: ctx.config.redisPrefix, dir: path.join(ctx.config.mediaDir, 'exports', 'calls'), log });
      await callExports.start();
      clickToCall = new ClickToCall({ esl: nodes, records, bus, agentDial, gatewayDial: cfg.gatewayDial, isBlocked, log });
      acd.setOfferSink('voice', sessions);
      const s = sessions;
      acd.events.on('offer.timed_out', (e) => void s.byContact(e.contactId)?.offerEnded(e.offerId));
      acd.events.on('offer.cancelled', (e) => void s.byContact(e.contactId)?.offerEnded(e.offerId));
      acd.events.on('agent.presence', (e) => {
        if (e.presence.state === 'wrap_up') return;
        track(
          s
            .journalOf(e.agentId)
            .then(() => acd.historyWritten())
            .then(() => records.wrapUpEnded(e.agentId, new Date(e.presence.since)))
            .then((r) => r && bus.emit('call.wrap_up', r.callId, [e.agentId], { agentId: e.agentId, wrapUpMs: r.wrapUpMs }))
            .catch((err: unknown) => log.error({ err, agentId: e.agentId }, 'recording the wrap-up failed')),
        );
      });
      acd.events.on('contact.overflowed', (e) => {
        if (e.to.kind === 'voicemail' || e.to.kind === 'flow_node') void s.byContact(e.contactId)?.overflowed();
      });

      /** The end of the record, retried like the journal's writes; `at` is when FreeSWITCH said the call ended. */
      const finalize = async (callId: string, cause: string | null, at: Date) => {
        const r = await withRetry(() => records.finalize(callId, cause, at), WRITE_RETRY, (err, attempt) => log.warn({ err, callId, attempt }, 'finalizing the call record failed; retrying'));
        if (!r.done) throw r.error;
        if (r.value) bus.emit('call.ended', callId, r.value.agentIds, { disposition: r.value.disposition, cause });
      };
      onEvent = (e: TelephonyEvent) => {
        const run = (p: Promise<unknown>) => track(p.catch((err: unknown) => log.error({ err, type: e.type }, 'handling a telephony event failed')));
        switch (e.type) {
          case 'registration.register':
          case 'registration.unregister':
          case 'registration.expire':
            run(registration(ctx.db, acd, e.user, e.type === 'registration.register'));
            return;
          case 'conference.member_add':
          case 'conference.member_del':
            s.byRoom(e.conference)?.onConferenceEvent(e);
            return;
          case 'channel.answer':
            run(clickToCall!.onAnswer(e.uuid));
            return;
          case 'channel.hangup_complete':
            run(
              (async () => {
                const at = new Date();
                const outboundCall = await clickToCall!.onHangup(e.uuid, e.cause);
                if (outboundCall) return finalize(outboundCall, e.cause, at);
                const session = s.byCallerUuid(e.uuid);
                if (session) {
                  // Its journal drains before finished resolves: the record is complete when finalized.
                  await session.finished;
                  return finalize(session.callId, e.cause, at);
                }
                // The IVR may still be creating the row (a caller who hangs up at once): look again for a few seconds.
                const found = await withRetry(async () => (await records.idByChannel(e.uuid)) ?? Promise.reject(new Error('no open call for this channel yet')), { attempts: 6, firstDelayMs: 100, maxDelayMs: 1_000 }, () => undefined);
                if (found.done) await finalize(found.value, e.cause, at);
              })(),
            );
            return;
          default:
        }
      };
      nodes.on('event', onEvent);
      provide(ctx, QUEUE_SERVICE, sessions);
      provide(ctx, CALLS_SERVICE, { sessions, clickToCall, records, bus, exports: callExports, control, idle: async () => void (await Promise.allSettled([...pending])) });
      await Promise.resolve();
    },
    routes(ctx) {
      return callRoutes({ db: ctx.db, control: control!, clickToCall: clickToCall!, callExports: callExports!, defaultServiceNumber: ctx.config.calls.serviceNumber, acd: need(ctx, ROUTING_SERVICE) });
    },
    async stop() {
      if (onEvent) nodes?.off('event', onEvent);
      await sessions?.closeAll();
      await control?.close();
      await Promise.allSettled([...pending]);
      await webhooks?.close();
      await callExports?.close();
    },
  };
}

/** sofia::register / unregister / expire → the agent's voice endpoint in the ACD. */
async function registration(db: import('../db/pool').Db, acd: RoutingEngine, sipUser: string, registered: boolean): Promise<void> {
  const { rows } = await db.query<{ id: string }>('SELECT user_id AS id FROM agent_endpoints WHERE sip_username = lower($1)', [sipUser]);
  if (!rows[0]) return;
  await acd.setVoiceEndpoint(rows[0].id, { registered });
}
