/**
 * bench/load options: environment variables (LOAD_*) or flags (--agents=50 --cps=5,10),
 * flags winning. Parsed with zod because this is where input enters the bench.
 */
import { z } from 'zod';

const onOff = z.enum(['on', 'off']);
const csvNumbers = z
  .string()
  .transform((s) => s.split(',').map((x) => Number(x.trim())))
  .pipe(z.array(z.number().positive()).min(1));
const csvSystems = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()))
  .pipe(z.array(z.enum(['hotline', 'callcenter'])).min(1));

export const loadOptionsSchema = z.object({
  /** real: SIPp against FREESWITCH_ESL's switch; sim: the project's simulator, no SIP. */
  mode: z.enum(['real', 'sim']).default('real'),
  agents: z.coerce.number().int().min(1).max(500).default(50),
  cps: csvNumbers.default([5, 10, 20]),
  seconds: z.coerce.number().positive().max(3600).default(60),
  ringMs: z.coerce.number().int().min(0).max(60_000).default(500),
  talkS: z.coerce.number().positive().max(3600).default(5),
  patienceS: z.coerce.number().positive().max(3600).default(60),
  recording: onOff.default('on'),
  systems: csvSystems.default(['hotline', 'callcenter']),
  /** Seconds after the last caller ended before agents, contacts and channels are checked. */
  leakWaitS: z.coerce.number().min(0).max(3600).default(60),
  /** Where raw outputs go (SIPp logs, Hotline log, JSON lines); a fresh folder per run below it. */
  outDir: z.string().min(1).default('/tmp/load-runs'),
  // The switch side (see bench/load/README.md).
  sipIp: z.string().min(1).default('192.0.2.2'),
  /** The bench's own sofia profile (freeswitch/sip-profile.xml). */
  profile: z.string().min(1).default('bench_load'),
  profilePort: z.coerce.number().int().default(5090),
  agentPort: z.coerce.number().int().min(5300).max(5399).default(5300),
  callerPort: z.coerce.number().int().min(5400).max(5499).default(5400),
  hotlineSocketPort: z.coerce.number().int().default(8094),
  hotlineNumber: z.string().regex(/^70\d\d$/).default('7001'),
  /** First agent's phone number; agent i (0-based) is agentBase + 1 + i. */
  agentBase: z.coerce.number().int().default(53000),
  // Simulator mode only.
  speed: z.coerce.number().positive().max(100).default(10),
  /** Record the switch's events for the bench's channels (esl-events.jsonl; see breakdown.ts). */
  eslTrace: onOff.default('off'),
  /** Hotline's log level in the run folder (hotline.log). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('warn'),
});
export type LoadOptions = z.output<typeof loadOptionsSchema>;

const ENV: Record<keyof LoadOptions, string> = {
  mode: 'LOAD_MODE',
  agents: 'LOAD_AGENTS',
  cps: 'LOAD_CPS',
  seconds: 'LOAD_SECONDS',
  ringMs: 'LOAD_RING_MS',
  talkS: 'LOAD_TALK_S',
  patienceS: 'LOAD_PATIENCE_S',
  recording: 'LOAD_RECORDING',
  systems: 'LOAD_SYSTEMS',
  leakWaitS: 'LOAD_LEAK_WAIT_S',
  outDir: 'LOAD_OUT_DIR',
  sipIp: 'LOAD_SIP_IP',
  profile: 'LOAD_PROFILE',
  profilePort: 'LOAD_PROFILE_PORT',
  agentPort: 'LOAD_AGENT_PORT',
  callerPort: 'LOAD_CALLER_PORT',
  hotlineSocketPort: 'LOAD_HOTLINE_SOCKET_PORT',
  hotlineNumber: 'LOAD_HOTLINE_NUMBER',
  agentBase: 'LOAD_AGENT_BASE',
  speed: 'LOAD_SPEED',
  logLevel: 'LOAD_LOG_LEVEL',
  eslTrace: 'LOAD_ESL_TRACE',
};

/** --ring-ms=500 → ringMs. */
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function parseLoadOptions(env: NodeJS.ProcessEnv, argv: string[], overrides: Partial<Record<keyof LoadOptions, unknown>> = {}): LoadOptions {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') raw[key] = env[name];
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m) throw new Error(`bench/load: unknown argument ${arg} (use --name=value)`);
    const key = camel(m[1]!);
    if (!(key in ENV)) throw new Error(`bench/load: unknown option --${m[1]}`);
    raw[key] = m[2];
  }
  return loadOptionsSchema.parse({ ...raw, ...overrides });
}
