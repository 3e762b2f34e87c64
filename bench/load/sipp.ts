/**
 * SIPp processes for one step: the agent phones (one UAS for all agents, the Request-URI
 * user tells them apart) and the callers (a UAC at `cps` for `seconds`). Scenario
 * templates live in ./sipp/; their {{PLACEHOLDERS}} are rendered into the run folder.
 * Both write -trace_msg logs, which trace.ts reads for every timestamp.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const SIPP = process.env.SIPP_BIN ?? '/usr/local/bin/sipp';

export function renderScenario(name: 'caller' | 'agent', vars: Record<string, number>, dir: string): string {
  let xml = fs.readFileSync(path.join(__dirname, 'sipp', `${name}.xml`), 'utf8');
  for (const [k, v] of Object.entries(vars)) xml = xml.replaceAll(`{{${k}}}`, String(Math.round(v)));
  const left = /\{\{[A-Z_]+\}\}/.exec(xml);
  if (left) throw new Error(`scenario ${name}: ${left[0]} not rendered`);
  const file = path.join(dir, `${name}.xml`);
  fs.writeFileSync(file, xml);
  return file;
}

export interface SippRun {
  proc: ChildProcess;
  messages: string;
  exited: Promise<number | null>;
}

/** SIPp processes still running; killed if the bench exits early, so no load outlives it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

function start(args: string[], dir: string, name: string): SippRun {
  const out = fs.openSync(path.join(dir, `${name}.out`), 'w');
  const messages = path.join(dir, `${name}_messages.log`);
  const proc = spawn(SIPP, [...args, '-nostdin', '-trace_msg', '-message_file', messages, '-trace_stat', '-stf', path.join(dir, `${name}_stat.csv`)], {
    cwd: dir,
    stdio: ['ignore', out, out],
  });
  running.add(proc);
  const exited = new Promise<number | null>((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => {
      running.delete(proc);
      fs.closeSync(out);
      resolve(code);
    });
  });
  return { proc, messages, exited };
}

export function startAgents(o: { ip: string; port: number; ringMs: number; talkMs: number; dir: string }): SippRun {
  const sf = renderScenario('agent', { RING_MS: Math.max(1, o.ringMs), TALK_MS: o.talkMs }, o.dir);
  return start(['-sf', sf, '-i', o.ip, '-p', String(o.port), '-mi', o.ip, '-mp', String(o.port + 50), '-l', '100000', '-max_socket', '2048'], o.dir, 'agents');
}

export function startCallers(o: { ip: string; port: number; target: string; service: string; cps: number; seconds: number; patienceMs: number; dir: string }): SippRun {
  const sf = renderScenario('caller', { PATIENCE_MS: o.patienceMs }, o.dir);
  const total = Math.round(o.cps * o.seconds);
  // The global timeout is a safety net only: every call ends by its own patience first.
  const timeoutS = Math.ceil(o.seconds + (2 * o.patienceMs) / 1000 + 60);
  return start(
    ['-sf', sf, '-s', o.service, '-i', o.ip, '-p', String(o.port), '-mi', o.ip, '-mp', String(o.port + 50), '-r', String(o.cps), '-m', String(total), '-l', '100000', '-timeout', `${timeoutS}s`, o.target],
    o.dir,
    'callers',
  );
}

/** SIGTERM, then SIGKILL if it lingers; only the process this bench started. */
export async function stopSipp(run: SippRun): Promise<void> {
  if (run.proc.exitCode !== null || run.proc.signalCode !== null) return;
  run.proc.kill('SIGTERM');
  const t = setTimeout(() => run.proc.kill('SIGKILL'), 3000);
  await run.exited.catch(() => undefined);
  clearTimeout(t);
}
