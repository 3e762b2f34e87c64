import { blacklistModule } from './blacklist/module';
import { callsModule } from './calls/module';
import { chatModule } from './chat/module';
import { endpointsModule } from './endpoints/module';
import { ivrModule } from './ivr/module';
import type { HotlineModule } from './module';
import { realtimeModule } from './realtime/module';
import { recordingsModule } from './recordings/module';
import { routingModule } from './routing/module';
import { telephonyModule } from './telephony/module';

/**
 * The domain modules of this server, in start order (a module may need services
 * from modules above it). Foundation routes (auth, org, audit, health) are built in.
 */
export function hotlineModules(): HotlineModule[] {
  return [telephonyModule(), realtimeModule(), routingModule(), recordingsModule(), endpointsModule(), blacklistModule(), callsModule(), ivrModule(), chatModule()];
}
