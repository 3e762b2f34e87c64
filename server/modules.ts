import type { HotlineModule } from './module';

/**
 * The domain modules of this server, in start order (a module may need services
 * from modules above it). Foundation routes (auth, org, audit, health) are built in.
 */
export function hotlineModules(): HotlineModule[] {
  return [];
}
