/**
 * Recomputes the phone-side figures of a step folder from its SIPp message logs (the
 * Hotline/mod_callcenter leak counters are in its details.json, measured at the time):
 *   npx tsx bench/load/analyse.ts /tmp/load-runs/real-…/hotline-10cps
 */
import path from 'node:path';
import { phoneMetrics } from './metrics';
import { agentCallsFromLog, callersFromLog } from './trace';

async function main(): Promise<void> {
  for (const dir of process.argv.slice(2)) {
    const timeline = { callers: await callersFromLog(path.join(dir, 'callers_messages.log')), agentCalls: await agentCallsFromLog(path.join(dir, 'agents_messages.log')) };
    console.log(JSON.stringify({ dir, ...phoneMetrics(timeline) }));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
