import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * Agent phones for the real-FreeSWITCH suite: one SIPp process per phone. Its main scenario
 * (register.xml) registers with the credentials Hotline issued and stays registered for
 * `stayMs`, then unregisters; its out-of-call scenario answers, rings or rejects every INVITE.
 * SIPp ports 5200-5299 belong to this suite (the load benchmark uses 5300-5399).
 */
export type PhoneBehaviour = { mode: 'answer' } | { mode: 'no_answer' } | { mode: 'reject'; code: 486 | 503 | 603 };

export interface PhoneOptions {
  user: string;
  password: string;
  domain: string;
  /** Local SIP port of the phone (5200-5299). */
  port: number;
  behaviour: PhoneBehaviour;
  /** How long the phone stays registered before it unregisters by itself (default: an hour). */
  stayMs?: number;
  /** FreeSWITCH's internal profile, host:port (HOTLINE_FS_SIP, default 192.0.2.2:5060). */
  registrar?: string;
  /** SIPp's own address (HOTLINE_FS_SIPP_IP, default the registrar's host). */
  localIp?: string;
}

export interface Phone {
  readonly user: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Ends the SIPp process (its registration stays in FreeSWITCH until flushed or expired). */
  stop(): Promise<void>;
}

const DIR = __dirname;
export const SIPP = process.env.HOTLINE_FS_SIPP ?? 'sipp';
export const REGISTRAR = process.env.HOTLINE_FS_SIP ?? '192.0.2.2:5060';

export function startPhone(o: PhoneOptions): Phone {
  const registrar = o.registrar ?? REGISTRAR;
  const localIp = o.localIp ?? process.env.HOTLINE_FS_SIPP_IP ?? registrar.split(':')[0]!;
  const ooc = o.behaviour.mode === 'answer' ? 'phone-answer.xml' : o.behaviour.mode === 'no_answer' ? 'phone-noanswer.xml' : `phone-${o.behaviour.code}.xml`;
  const args = [
    '-sf', path.join(DIR, 'register.xml'),
    '-oocsf', path.join(DIR, ooc),
    '-key', 'user', o.user,
    '-key', 'domain', o.domain,
    '-au', o.user,
    '-ap', o.password,
    '-d', String(o.stayMs ?? 3_600_000),
    '-i', localIp,
    '-mi', localIp,
    // media ports beside the SIP port's slot, 4 apart (SIPp binds audio and audio+2 for video)
    '-mp', String(6200 + (o.port - 5200) * 4),
    '-p', String(o.port),
    '-m', '1',
    // FreeSWITCH's in-dialog INFO/UPDATE/NOTIFY get a 200 without a scenario step
    '-aa',
    '-nostdin',
    '-rtp_echo',
  ];
  args.push(registrar);
  const child = spawn(SIPP, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  return {
    user: o.user,
    port: o.port,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves once FreeSWITCH has a contact for user@domain (or, with `gone`, no longer has one). */
export async function waitRegistration(api: (cmd: string) => Promise<string>, user: string, domain: string, opts: { gone?: boolean; timeoutMs?: number } = {}): Promise<string> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const contact = (await api(`sofia_contact ${user}@${domain}`).catch((e: unknown) => String(e))).trim();
    const registered = contact.startsWith('sofia/');
    if (registered !== !!opts.gone) return contact;
    if (Date.now() > deadline) throw new Error(`${user}@${domain}: ${opts.gone ? 'still registered' : 'did not register'} (sofia_contact: ${contact})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
