/**
 * The IVR module: flow lifecycle API, prompts, and the engine on every outbound ESL session
 * the telephony module accepts ('telephony.outbound' service, 'session' events).
 *
 * Provides: 'ivr.calls' (IvrCallHandler). Uses when present: 'telephony.outbound',
 * 'ivr.queue' (a QueuePort; the ACD will provide it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM_ACTOR } from '../audit/audit';
import { audited } from '../audit/audited';
import type { Db } from '../db/pool';
import type { Logger } from '../logging/logger';
import { provide, type HotlineModule, type ModuleContext } from '../module';
import type { OutboundSession } from '../telephony';
import { FetchHttpClient } from './adapters/http-client';
import { PgSurveyStore, PgVoicemailStore } from './adapters/pg';
import { BridgeTransferPort, DEFAULT_DIAL_STRINGS, NoAcdQueuePort, QUEUE_SERVICE, type DialStrings } from './adapters/routing';
import { AdmissionControl } from './admission';
import { IvrCallHandler, type SharedPorts } from './call-handler';
import type { Clock, QueuePort } from './engine/ports';
import { PromptLibrary } from './prompts/library';
import { ivrRoutes, warmPrompts } from './routes';
import type { MediaLocator } from './prompts/media-files';
import { createFlow, flowIdByName, loadPublishedByName, publishDraft } from './store/flows';

export const TELEPHONY_SERVICE = 'telephony.outbound';
export const CALLS_SERVICE = 'ivr.calls';

/** The number the sample flow answers after the first start (see dialplan notes in ivr-flows/README.md). */
export const SAMPLE_NUMBER = '4001';
export const SAMPLE_FLOW_FILE = ['../../ivr-flows/sample-service.json', '../../../ivr-flows/sample-service.json'].map((p) => path.resolve(__dirname, p)).find((p) => fs.existsSync(p));

/** What the telephony module provides: an emitter of one ready session per call. */
export interface OutboundSessionSource {
  on(event: 'session', listener: (session: OutboundSession) => void): unknown;
  off?(event: 'session', listener: (session: OutboundSession) => void): unknown;
}

export interface IvrModuleOptions {
  /** Seed the sample flow and bind it to `sampleNumber` when no flow exists yet. Default true. */
  seedSample?: boolean;
  sampleNumber?: string;
  dialStrings?: DialStrings;
  /** Wall clock of the time nodes (tests inject one). */
  clock?: Clock;
}

export function ivrModule(opts: IvrModuleOptions = {}): HotlineModule {
  let handler: IvrCallHandler | undefined;
  let admission: AdmissionControl | undefined;
  let source: OutboundSessionSource | undefined;
  let background: Promise<unknown> = Promise.resolve();
  const onSession = (session: OutboundSession) => handler?.onSession(session);

  const state: { prompts?: PromptLibrary } = {};
  return {
    name: 'ivr',
    async start(ctx: ModuleContext) {
      const log = ctx.log.child({ module: 'ivr' });
      const prompts = new PromptLibrary(ctx.db, ctx.config.mediaDir, ctx.config.tools, log);
      state.prompts = prompts;
      const noAcd = new NoAcdQueuePort(log);
      const queue = (): QueuePort => ctx.services.get(QUEUE_SERVICE) ?? noAcd;
      const lazyQueue: QueuePort = { enqueue: (req, channel, signal) => queue().enqueue(req, channel, signal) };
      const ports: SharedPorts = {
        prompts,
        clock: opts.clock ?? { now: () => new Date() },
        queue: lazyQueue,
        transfer: new BridgeTransferPort(queue, opts.dialStrings ?? DEFAULT_DIAL_STRINGS),
        voicemail: new PgVoicemailStore(ctx.db, ctx.config.mediaDir),
        survey: new PgSurveyStore(ctx.db),
        http: new FetchHttpClient(),
        flows: { loadPublished: (name) => loadPublishedByName(ctx.db, name) },
      };
      admission = new AdmissionControl(ctx.config.admission);
      handler = new IvrCallHandler(ctx.db, ports, log, { control: admission, refuseWith: ctx.config.admission.refuseWith });
      provide(ctx, CALLS_SERVICE, handler);

      if (opts.seedSample !== false) {
        const seeded = await seedSampleFlow(ctx.db, opts.sampleNumber ?? SAMPLE_NUMBER, log, prompts.media);
        if (seeded) background = warmPrompts(prompts, seeded).catch((err: unknown) => log.warn({ err }, 'pre-rendering the sample flow prompts failed'));
      }

      source = ctx.services.get(TELEPHONY_SERVICE);
      if (source) source.on('session', onSession);
      else log.warn('no telephony.outbound service: the IVR API runs, but no calls reach the flows');
    },
    routes(ctx: ModuleContext) {
      return ivrRoutes({ db: ctx.db, prompts: state.prompts!, mediaDir: ctx.config.mediaDir });
    },
    async stop() {
      source?.off?.('session', onSession);
      await handler?.stop();
      admission?.stop();
      await background;
    },
  };
}

/**
 * First start: the sample flow, published and bound to the sample number, with the skill
 * groups it queues for. Returns its definition when it seeded, undefined when flows existed.
 */
export async function seedSampleFlow(db: Db, number: string, log: Logger, media: MediaLocator): Promise<unknown> {
  if (!SAMPLE_FLOW_FILE) {
    log.warn('ivr-flows/sample-service.json not found: no sample flow seeded');
    return undefined;
  }
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ivr_flows');
  if ((rows[0]?.n ?? 0) > 0) return undefined;
  const definition = JSON.parse(fs.readFileSync(SAMPLE_FLOW_FILE, 'utf8')) as Record<string, unknown>;
  try {
    await audited(db, { actor: SYSTEM_ACTOR }, { action: 'ivr_flow.seed_sample', entityType: 'ivr_flow' }, async (tx) => {
      // Another process may be seeding at the same moment: the unique name decides.
      await tx.query('LOCK TABLE ivr_flows IN SHARE ROW EXCLUSIVE MODE');
      if (await flowIdByName(tx, 'sample-service')) return { result: undefined, entityId: 'sample-service' };
      for (const [name, description] of [
        ['sales', 'Sample flow: sales (menu key 1)'],
        ['support', 'Sample flow: technical support (menu key 2)'],
        ['operator', 'Sample flow: operator (menu key 0)'],
      ] as const) {
        await tx.query('INSERT INTO skill_groups (name, description) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM skill_groups WHERE lower(name) = lower($1))', [name, description]);
      }
      const flow = await createFlow(tx, { name: 'sample-service', description: typeof definition.description === 'string' ? definition.description : '', draft: definition });
      const v = await publishDraft(tx, flow.id, null, 'sample flow, seeded at first start', media);
      await tx.query('INSERT INTO ivr_service_numbers (number, flow_id, description) VALUES ($1, $2, $3) ON CONFLICT (number) DO NOTHING', [number, flow.id, 'Sample service number']);
      log.info({ flow: flow.id, version: v.version, number }, 'seeded the sample IVR flow');
      return { result: undefined, entityId: flow.id, after: { number, version: v.version } };
    });
  } catch (err) {
    log.error({ err }, 'seeding the sample IVR flow failed');
    return undefined;
  }
  return definition;
}
