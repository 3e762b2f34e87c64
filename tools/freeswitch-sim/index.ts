/**
 * The FreeSWITCH simulator: a dev/test tool that speaks the real ESL wire protocol over
 * TCP (inbound listener with auth, outbound connections from the `socket` app) so the
 * production ESL client cannot tell it from FreeSWITCH 1.10.12. See README.md.
 */
import { Simulator } from './sim';
import type { FreeswitchSim, FreeswitchSimOptions } from './types';

export type { EndpointBehaviour, FreeswitchSim, FreeswitchSimOptions, SimCall } from './types';

export async function startFreeswitchSim(opts: FreeswitchSimOptions = {}): Promise<FreeswitchSim> {
  const sim = new Simulator(opts);
  await sim.start();
  return sim;
}
