/**
 * bench/load (npm run bench:load): Hotline and mod_callcenter side by side on one real
 * FreeSWITCH, under the same SIPp callers and agent phones; or the same load shape on
 * the simulator (LOAD_MODE=sim / --mode=sim, no switch needed).
 *
 *   FREESWITCH_ESL=127.0.0.1:8021:ClueCon npm run bench:load -- --cps=5 --seconds=10
 *   npm run bench:load -- --mode=sim
 *
 * Prints one JSON line per system per step (and progress on stderr); raw outputs go to
 * a fresh folder under --out-dir (default /tmp/load-runs). See bench/load/README.md for
 * what the switch needs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseLoadOptions, type LoadOptions } from './options';
import { agentNumbers, realStep } from './real';
import type { StepLine } from './report';
import { simStep } from './sim';
import { Switch } from './switch';
import { tearDownCallcenter } from './callcenter';

function runFolder(o: LoadOptions): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(o.outDir, `${o.mode}-${stamp}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function emit(line: StepLine, dir: string): void {
  const json = JSON.stringify(line);
  fs.appendFileSync(path.join(dir, 'results.jsonl'), json + '\n');
  console.log(json);
}

async function main(): Promise<void> {
  const o = parseLoadOptions(process.env, process.argv.slice(2));
  const esl = process.env.FREESWITCH_ESL;
  if (o.mode === 'real' && !esl) {
    console.log(JSON.stringify({ skip: 'bench/load: FREESWITCH_ESL is not set (host:port:password of a FreeSWITCH configured as in bench/load/README.md); run --mode=sim for the simulator' }));
    return;
  }
  const dir = runFolder(o);
  fs.writeFileSync(path.join(dir, 'options.json'), JSON.stringify(o, null, 2));
  process.stderr.write(`bench/load: ${o.mode} run, raw outputs in ${dir}\n`);
  if (o.mode === 'sim') {
    for (const cps of o.cps) emit(await simStep(o, cps, dir), dir);
    return;
  }
  const sw = await Switch.connect(esl!);
  try {
    for (const cps of o.cps) {
      for (const system of o.systems) {
        process.stderr.write(`bench/load: ${system} at ${cps} calls/s for ${o.seconds} s …\n`);
        emit(await realStep(o, esl!, sw, system, cps, dir), dir);
      }
    }
  } finally {
    await tearDownCallcenter(sw, { recording: o.recording, agentNumbers: agentNumbers(o) }).catch(() => undefined);
    await sw.close();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
