/**
 * One step of the real benchmark for one system: SIPp agents and callers against the
 * switch, then (after the leak wait) what is left in the system and on the switch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { callcenterLeaks, callcenterNumber, setUpCallcenter, tearDownCallcenter } from './callcenter';
import { CpuWindow, freeswitchPid } from './cpu';
import { EslTrace } from './esl-trace';
import { callRows, hotlineLeaks, startBenchHotline } from './hotline';
import { phoneMetrics } from './metrics';
import type { LoadOptions } from './options';
import { compareRecords } from './records';
import { baseLine, countLogLevels, watchRejections, writeDetails, type StepLine } from './report';
import { startAgents, startCallers, stopSipp } from './sipp';
import type { Switch } from './switch';
import { agentCallsFromLog, callersFromLog } from './trace';

/** mod_callcenter's recordings of the step (freeswitch/callcenter-queue.xml), when the switch is on this host: a 20/s run writes ~1,200 WAVs. */
function removeCallcenterRecordings(): void {
  const dir = process.env.LOAD_CC_RECORDINGS_DIR ?? '/usr/local/freeswitch/var/lib/freeswitch/recordings/bench-load';
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.wav')) fs.rmSync(path.join(dir, f), { force: true });
}

export const agentNumbers = (o: LoadOptions): string[] => Array.from({ length: o.agents }, (_, i) => String(o.agentBase + 1 + i));

export async function realStep(o: LoadOptions, esl: string, sw: Switch, system: 'hotline' | 'callcenter', cps: number, runDir: string): Promise<StepLine> {
  const rejections = watchRejections();
  const dir = path.join(runDir, `${system}-${cps}cps`);
  fs.mkdirSync(dir, { recursive: true });
  const numbers = agentNumbers(o);
  const cc = { recording: o.recording, patienceS: o.patienceS, agentNumbers: numbers, sipIp: o.sipIp, agentPort: o.agentPort, profile: o.profile };
  const h =
    system === 'hotline'
      ? await startBenchHotline({ dir, logLevel: o.logLevel, esl, outboundPort: o.hotlineSocketPort, gatewayDial: `sofia/${o.profile}/{number}@${o.sipIp}:${o.agentPort}`, number: o.hotlineNumber, agentNumbers: numbers, patienceS: o.patienceS })
      : (await setUpCallcenter(sw, cc), undefined);
  const trace = o.eslTrace === 'on' ? await EslTrace.start(esl, o.profile, dir) : undefined;
  const agents = startAgents({ ip: o.sipIp, port: o.agentPort, ringMs: o.ringMs, talkMs: o.talkS * 1000, dir });
  try {
    await sleep(500); // let the UAS bind before the first offer
    if (agents.proc.exitCode !== null) throw new Error(`the agents' SIPp exited at once (port ${o.agentPort} busy?): see ${dir}/agents.out`);
    const callers = startCallers({ ip: o.sipIp, port: o.callerPort, target: `${o.sipIp}:${o.profilePort}`, service: h ? o.hotlineNumber : callcenterNumber(o.recording), cps, seconds: o.seconds, patienceMs: o.patienceS * 1000, dir });
    const cpu = new CpuWindow({ hotline: h ? process.pid : undefined, freeswitch: freeswitchPid(), sipp_callers: callers.proc.pid, sipp_agents: agents.proc.pid });
    const code = await callers.exited;
    const usage = cpu.finish();
    await sleep(o.leakWaitS * 1000);
    const leaks = h ? await hotlineLeaks(h) : await callcenterLeaks(sw, cc);
    const channels = await sw.channelsOnProfile(o.profile);
    await stopSipp(agents);
    const leftover = await sw.killProfileChannels(o.profile);
    if (leftover.length > 0) fs.writeFileSync(path.join(dir, 'leftover-channels.jsonl'), leftover.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const timeline = { callers: await callersFromLog(callers.messages), agentCalls: await agentCallsFromLog(agents.messages) };
    const phones = phoneMetrics(timeline);
    const records = h ? compareRecords(timeline, await callRows(h)) : undefined;
    writeDetails(dir, { sipp_callers_exit: code, leaks, channels, records, unhandled_rejections: rejections() });
    if (h) await h.flushLog();
    const hl = h ? countLogLevels(path.join(dir, 'hotline.log')) : null;
    return {
      ...baseLine(o, system, cps, dir),
      ...phones,
      stuck_agents: leaks.stuck_agents,
      stuck_contacts: leaks.stuck_contacts,
      channels_left: channels.count,
      open_records: 'open_records' in leaks ? leaks.open_records : null,
      open_sessions: 'open_sessions' in leaks ? leaks.open_sessions : null,
      record_mismatches: records ? records.record_mismatches : null,
      record_state_mismatches: records ? records.record_state_mismatches : null,
      ...usage,
      hotline_log: hl,
      unhandled_rejections: rejections().length,
    };
  } finally {
    await trace?.stop();
    await stopSipp(agents);
    if (h) await h.close();
    else {
      await tearDownCallcenter(sw, cc).catch(() => undefined);
      removeCallcenterRecordings();
    }
  }
}
