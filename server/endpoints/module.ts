import type { HotlineModule } from '../module';
import { endpointRoutes } from './routes';

/** Agent endpoints: SIP credentials for the softphone, the FreeSWITCH directory, external phones. */
export function endpointsModule(): HotlineModule {
  return { name: 'endpoints', routes: (ctx) => endpointRoutes({ db: ctx.db, config: ctx.config, log: ctx.log.child({ module: 'endpoints' }) }) };
}
