import type { HotlineModule } from '../module';
import { provide } from '../module';
import { blacklistRoutes } from './routes';
import { findBlocking, type BlacklistChannel, type BlacklistEntry } from './store';

export const BLACKLIST = 'blacklist';

/** What calls (inbound and click-to-call) and chat ask before letting someone in. */
export interface BlacklistService {
  blocking(channel: BlacklistChannel, value: string): Promise<BlacklistEntry | undefined>;
}

export function blacklistModule(): HotlineModule {
  return {
    name: 'blacklist',
    start(ctx) {
      provide(ctx, BLACKLIST, { blocking: (channel, value) => findBlocking(ctx.db, channel, value) });
      return Promise.resolve();
    },
    routes: (ctx) => blacklistRoutes({ db: ctx.db }),
  };
}
