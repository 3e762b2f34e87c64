/**
 * mod_callcenter configured like Hotline's `queue` node, at runtime over ESL: the queue
 * comes from callcenter.conf.xml (freeswitch/callcenter-queue.xml; its max-wait-time is
 * the global hotline_load_max_wait), agents and tiers are added here and deleted after.
 * Equivalences: longest-idle-agent; music on hold; max wait = patience; wrap-up 0 and
 * no delays after a miss (Hotline: wrap_up_seconds 0, missed_offers_before_not_ready 0);
 * ring timeout 20 s (Hotline: offer_timeout_voice_seconds 20).
 */
import type { Switch } from './switch';

export const queueName = (recording: 'on' | 'off'): string => (recording === 'on' ? 'hotline_load@default' : 'hotline_load_norec@default');
export const callcenterNumber = (recording: 'on' | 'off'): string => (recording === 'on' ? '7900' : '7901');
const agentName = (number: string): string => `bload_${number}`;

/** `callcenter_config ... list` output: a header row, pipe-separated rows, then +OK. */
export function parseTable(body: string): Record<string, string>[] {
  const lines = body.split('\n').filter((l) => l.includes('|'));
  const head = lines.shift()?.split('|') ?? [];
  return lines.map((l) => Object.fromEntries(l.split('|').map((v, i) => [head[i] ?? String(i), v])));
}

async function must(sw: Switch, cmd: string): Promise<string> {
  const body = await sw.api(cmd);
  if (body.startsWith('-ERR') || body.startsWith('-USAGE')) throw new Error(`${cmd}: ${body.trim()}`);
  return body;
}

export async function setUpCallcenter(sw: Switch, o: { recording: 'on' | 'off'; patienceS: number; agentNumbers: string[]; sipIp: string; agentPort: number; profile: string }): Promise<void> {
  const queue = queueName(o.recording);
  await must(sw, `global_setvar hotline_load_max_wait=${Math.round(o.patienceS)}`);
  await must(sw, 'reloadxml');
  await sw.api(`callcenter_config queue unload ${queue}`);
  const loaded = await sw.api(`callcenter_config queue load ${queue}`);
  if (!loaded.startsWith('+OK')) throw new Error(`mod_callcenter has no queue ${queue} (install bench/load/freeswitch/callcenter-queue.xml): ${loaded.trim()}`);
  await tearDownCallcenter(sw, o);
  for (const n of o.agentNumbers) {
    const a = agentName(n);
    await must(sw, `callcenter_config agent add ${a} callback`);
    await must(sw, `callcenter_config agent set contact ${a} [leg_timeout=20]sofia/${o.profile}/${n}@${o.sipIp}:${o.agentPort}`);
    for (const k of ['wrap_up_time', 'reject_delay_time', 'busy_delay_time', 'no_answer_delay_time', 'max_no_answer']) await must(sw, `callcenter_config agent set ${k} ${a} 0`);
    await must(sw, `callcenter_config agent set status ${a} Available`);
    await must(sw, `callcenter_config tier add ${queue} ${a} 1 1`);
    await must(sw, `callcenter_config tier set state ${queue} ${a} Ready`);
  }
}

/** Removes the bench's agents and tiers (idempotent). */
export async function tearDownCallcenter(sw: Switch, o: { recording: 'on' | 'off'; agentNumbers: string[] }): Promise<void> {
  for (const n of o.agentNumbers) {
    await sw.api(`callcenter_config tier del ${queueName(o.recording)} ${agentName(n)}`);
    await sw.api(`callcenter_config agent del ${agentName(n)}`);
  }
}

/** Agents not back to Available/Waiting, and members still in the queue: each should be 0. */
export async function callcenterLeaks(sw: Switch, o: { recording: 'on' | 'off'; agentNumbers: string[] }): Promise<{ stuck_agents: number; stuck_contacts: number; stuck_agent_names: string[] }> {
  const ours = new Set(o.agentNumbers.map(agentName));
  const agents = parseTable(await sw.api('callcenter_config agent list')).filter((a) => ours.has(a.name ?? ''));
  const stuck = agents.filter((a) => a.status !== 'Available' || a.state !== 'Waiting');
  const members = parseTable(await sw.api(`callcenter_config queue list members ${queueName(o.recording)}`));
  return { stuck_agents: stuck.length + (ours.size - agents.length), stuck_contacts: members.length, stuck_agent_names: stuck.map((a) => `${a.name} ${a.status}/${a.state}`) };
}
