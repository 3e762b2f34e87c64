import type { HotlineModule } from '../module';
import { provide } from '../module';
import { RecordingJobs } from './jobs';
import { recordingRoutes } from './routes';
import { insertRecording, type Recording } from './store';

export const RECORDINGS = 'recordings';

/** What the calls domain uses to hand over a finished raw recording. */
export interface RecordingService {
  register(r: { callId: string; agentIds: string[]; rawPath: string }): Promise<Recording>;
}

/** Call recordings: registered when a call ends, converted by a BullMQ job, streamed with permission checks. */
export function recordingsModule(): HotlineModule {
  let jobs: RecordingJobs | undefined;
  return {
    name: 'recordings',
    async start(ctx) {
      const log = ctx.log.child({ module: 'recordings' });
      jobs = new RecordingJobs({ db: ctx.db, redisUrl: ctx.redisUrl, prefix: ctx.config.redisPrefix, mediaDir: ctx.config.mediaDir, tools: ctx.config.tools, log });
      await jobs.start();
      const service: RecordingService = {
        register: async (r) => {
          const { created, ...rec } = await insertRecording(ctx.db, r);
          if (created) await jobs!.enqueue(rec.id);
          return rec;
        },
      };
      provide(ctx, RECORDINGS, service);
    },
    routes: (ctx) => recordingRoutes({ db: ctx.db }),
    async stop() {
      await jobs?.close();
    },
  };
}
