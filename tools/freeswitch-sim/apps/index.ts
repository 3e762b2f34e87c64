import type { Engine } from '../core/engine';
import type { ConnectionContext } from '../esl/connection';
import { basicApps } from './basic';
import { bridgeApps } from './bridge';
import { conferenceApps } from './conference';
import { mediaApps } from './media';
import { recordApps } from './record';
import { socketApps } from './socket';

/** Registers every application the simulator implements on the engine. */
export function registerApps(engine: Engine, socketCtx: () => ConnectionContext): void {
  const all = {
    ...basicApps(engine),
    ...mediaApps(engine),
    ...recordApps(engine),
    ...bridgeApps(engine),
    ...conferenceApps(engine),
    ...socketApps(engine, socketCtx),
  };
  for (const [name, impl] of Object.entries(all)) engine.apps.set(name, impl);
}
