import { need, type HotlineModule } from '../module';
import { ROUTING_SERVICE } from '../routing/module';
import { endpointRoutes } from './routes';

/** Agent endpoints: SIP credentials for the softphone, the FreeSWITCH directory, external phones. */
export function endpointsModule(): HotlineModule {
  return {
    name: 'endpoints',
    routes: (ctx) => {
      const acd = need(ctx, ROUTING_SERVICE);
      // The endpoint is the one setting for how an agent takes calls: the ACD's voice capacity follows it at once.
      return endpointRoutes({ db: ctx.db, config: ctx.config, log: ctx.log.child({ module: 'endpoints' }), onEndpointChanged: (agentId) => acd.syncAgent(agentId).then(() => acd.kick(agentId)) });
    },
  };
}
