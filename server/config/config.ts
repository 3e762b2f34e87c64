import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Hotline reads, from the environment, checked once at boot.
 * The README's configuration table documents each one; keep the two in step.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const eslNode = /^[^:,\s]+:\d{1,5}:[^,]+$/;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  REDIS_PREFIX: z.string().min(1).default('hotline:'),
  MEDIA_DIR: z.string().min(1).default('./media'),
  WEB_AGENT_DIR: z.string().min(1).default('./web-agent/dist'),
  FREESWITCH_ESL: z
    .string()
    .refine((s) => s.split(',').every((n) => eslNode.test(n.trim())), 'must be host:port:password, comma-separated for several nodes')
    .optional(),
  ESL_OUTBOUND_HOST: z.string().min(1).default('127.0.0.1'),
  ESL_OUTBOUND_PORT: z.coerce.number().int().min(0).max(65535).default(8084),
  ADMIN_USERNAME: z.string().min(1).max(64).default('admin'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  COOKIE_SECURE: bool.optional(),
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOGIN_LOCK_MINUTES: z.coerce.number().positive().default(15),
  SIP_DOMAIN: z.string().min(1).default('hotline.local'),
  // Unset: FreeSWITCH's WSS binding (wss://127.0.0.1:7443), or the simulator's WS listener when it runs.
  SIP_WSS_URL: z.string().regex(/^wss?:\/\//, 'must be a ws:// or wss:// URL').optional(),
  SIM_SIP_PORT: z.coerce.number().int().min(0).max(65535).default(5066),
  XML_CURL_USER: z.string().min(1).default('freeswitch'),
  XML_CURL_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  FFMPEG_PATH: z.string().min(1).default('/usr/bin/ffmpeg'),
  ESPEAK_PATH: z.string().min(1).default('/usr/bin/espeak-ng'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CALLS_GATEWAY_DIAL: z.string().min(1).regex(/\{number\}/, 'must contain {number}').default('sofia/gateway/default/{number}'),
  CALLS_ANNOUNCE_INTERVAL_SEC: z.coerce.number().int().min(0).max(3600).default(30),
  CALLS_HOLD_MUSIC: z.string().min(1).default('local_stream://moh'),
  CALLS_SERVICE_NUMBER: z.string().regex(/^\+?[0-9]{2,20}$/, 'a phone number').optional(),
  ADMISSION_MAX_CALLS: z.coerce.number().int().min(0).default(0),
  ADMISSION_MAX_CPS: z.coerce.number().min(0).default(0),
  ADMISSION_MAX_LAG_MS: z.coerce.number().int().min(0).default(500),
  ADMISSION_REFUSE_WITH: z.enum(['sip503', 'busy_prompt']).default('sip503'),
  WEBHOOK_URL: z.url().optional(),
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  PUBLIC_ORIGINS: z
    .string()
    .refine((s) => s.split(',').every((o) => isOrigin(o.trim())), 'must be origins like https://hotline.example.com (scheme, host, optional port; no path), comma-separated')
    .optional(),
  AGENT_OFFLINE_GRACE_SECONDS: z.coerce.number().min(1).max(3600).default(45),
});

/** `scheme://host[:port]` and nothing more, as a browser sends it in Origin. */
function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s.replace(/\/$/, '').toLowerCase();
  } catch {
    return false;
  }
}

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  redisPrefix: string;
  mediaDir: string;
  /** The built agent workspace (vite build output), served at `/`. */
  webAgentDir: string;
  freeswitchEsl: string | undefined;
  eslOutbound: { host: string; port: number };
  admin: { username: string; password: string | undefined };
  sessionTtlSeconds: number;
  cookieSecure: boolean;
  login: { maxFailures: number; lockSeconds: number };
  logLevel: string;
  /** Agent SIP endpoints: the directory domain, where browsers register, and the mod_xml_curl credentials. */
  sip: {
    domain: string;
    wssUrl: string;
    xmlCurl: { user: string; password: string | undefined };
    /** The simulator's SIP-over-WS port (development); `wssUrl` follows the port it really got when SIP_WSS_URL is unset. */
    simulator: { port: number; wssUrlFollows: boolean };
  };
  /** External media tools (Debian's ffmpeg and espeak-ng). */
  tools: { ffmpeg: string; espeak: string };
  /** Calls: dial string for external numbers, queue announcements, hold music, default caller id of click-to-call. */
  calls: { gatewayDial: string; announceIntervalSec: number; holdMusic: string; serviceNumber: string | undefined };
  /** Admission control of new calls (0: no limit); calls already in are never touched. */
  admission: { maxCalls: number; maxCallsPerSecond: number; maxEventLoopLagMs: number; refuseWith: 'sip503' | 'busy_prompt' };
  /** Signed call-event webhooks (HMAC-SHA256 of the body with the secret); unset URL: none sent. */
  webhook: { url: string | undefined; secret: string | undefined };
  /** Origins Hotline's pages are served from (cookie-authenticated changes and staff sockets from others are refused); unset: derived from HOST and the listening port. */
  publicOrigins: string[] | undefined;
  /** An agent whose realtime connections are all gone this long is set offline (a page refresh or a server restart is shorter). */
  realtime: { offlineGraceSeconds: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and checks the environment. Throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems = productionProblems(e);
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) problems.push('WEBHOOK_SECRET: required when WEBHOOK_URL is set (webhooks are signed)');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    mediaDir: path.resolve(e.MEDIA_DIR),
    webAgentDir: path.resolve(e.WEB_AGENT_DIR),
    freeswitchEsl: e.FREESWITCH_ESL,
    eslOutbound: { host: e.ESL_OUTBOUND_HOST, port: e.ESL_OUTBOUND_PORT },
    admin: { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD },
    sessionTtlSeconds: Math.round(e.SESSION_TTL_HOURS * 3600),
    cookieSecure: e.COOKIE_SECURE ?? e.NODE_ENV === 'production',
    login: { maxFailures: e.LOGIN_MAX_FAILURES, lockSeconds: Math.round(e.LOGIN_LOCK_MINUTES * 60) },
    logLevel: e.LOG_LEVEL,
    tools: { ffmpeg: e.FFMPEG_PATH, espeak: e.ESPEAK_PATH },
    sip: sipConfig(e),
    calls: { gatewayDial: e.CALLS_GATEWAY_DIAL, announceIntervalSec: e.CALLS_ANNOUNCE_INTERVAL_SEC, holdMusic: e.CALLS_HOLD_MUSIC, serviceNumber: e.CALLS_SERVICE_NUMBER },
    admission: { maxCalls: e.ADMISSION_MAX_CALLS, maxCallsPerSecond: e.ADMISSION_MAX_CPS, maxEventLoopLagMs: e.ADMISSION_MAX_LAG_MS, refuseWith: e.ADMISSION_REFUSE_WITH },
    webhook: { url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET },
    publicOrigins: e.PUBLIC_ORIGINS?.split(',').map((o) => o.trim().replace(/\/$/, '').toLowerCase()),
    realtime: { offlineGraceSeconds: e.AGENT_OFFLINE_GRACE_SECONDS },
  };
}

function sipConfig(e: z.output<typeof envSchema>): Config['sip'] {
  const simulated = !e.FREESWITCH_ESL && e.NODE_ENV !== 'production';
  return {
    domain: e.SIP_DOMAIN,
    wssUrl: e.SIP_WSS_URL ?? (simulated ? `ws://127.0.0.1:${e.SIM_SIP_PORT}` : 'wss://127.0.0.1:7443'),
    // The simulator plays FreeSWITCH and asks our directory like mod_xml_curl; without a configured secret it gets one for this process.
    xmlCurl: { user: e.XML_CURL_USER, password: e.XML_CURL_PASSWORD ?? (simulated ? randomBytes(24).toString('base64url') : undefined) },
    simulator: { port: e.SIM_SIP_PORT, wssUrlFollows: simulated && !e.SIP_WSS_URL },
  };
}

/** Production refuses the conveniences that are fine on a laptop: no simulator, no default ESL secret. */
function productionProblems(e: z.output<typeof envSchema>): string[] {
  if (e.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (!e.FREESWITCH_ESL) problems.push('FREESWITCH_ESL: required in production (the simulator is a development tool)');
  else if (e.FREESWITCH_ESL.split(',').some((n) => n.trim().split(':').slice(2).join(':') === 'ClueCon')) {
    problems.push('FREESWITCH_ESL: the default ESL password "ClueCon" is not allowed in production');
  }
  if (!e.DATABASE_URL) problems.push('DATABASE_URL: required in production (the embedded database is for development)');
  if (!e.XML_CURL_PASSWORD) problems.push('XML_CURL_PASSWORD: required in production (FreeSWITCH fetches agent SIP credentials with it)');
  if (e.ADMIN_PASSWORD !== undefined && e.ADMIN_PASSWORD.length < 12) {
    problems.push('ADMIN_PASSWORD: must be at least 12 characters in production');
  }
  return problems;
}
