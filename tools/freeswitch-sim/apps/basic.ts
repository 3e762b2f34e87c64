import type { Engine } from '../core/engine';
import { ORIGIN } from '../core/origins';
import type { AppImpl, Session } from '../core/session';

/** mod_dptools' call-control basics: answer, set/export, sleep, hangup, park, transfer. */

function splitVar(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg.trim(), undefined] : [arg.slice(0, eq).trim(), arg.slice(eq + 1)];
}

/** park: CHANNEL_PARK, then run queued messages until something takes the channel away. */
export async function park(s: Session, signal: AbortSignal): Promise<void> {
  s.channel.fire('CHANNEL_PARK', ORIGIN.park);
  while (!signal.aborted && s.up) {
    await s.waitForWork(signal);
    if (!signal.aborted && s.hasPrivate()) await s.processPrivate();
  }
  s.channel.fire('CHANNEL_UNPARK', ORIGIN.unpark);
}

export function basicApps(engine: Engine): Record<string, AppImpl> {
  return {
    answer: (s) => {
      s.answer();
      return Promise.resolve();
    },
    pre_answer: (s) => {
      s.preAnswer();
      return Promise.resolve();
    },
    ring_ready: (s) => {
      s.ringing();
      return Promise.resolve();
    },
    set: (s, arg) => {
      const [k, v] = splitVar(arg);
      if (k) s.channel.setVar(k, v);
      return Promise.resolve();
    },
    unset: (s, arg) => {
      s.channel.setVar(arg.trim(), undefined);
      return Promise.resolve();
    },
    export: (s, arg) => {
      const [rawKey, v] = splitVar(arg);
      const nolocal = rawKey.startsWith('nolocal:');
      const k = nolocal ? rawKey.slice(8) : rawKey;
      if (!k) return Promise.resolve();
      if (!nolocal) s.channel.setVar(k, v);
      const list = (s.channel.getVar('export_vars') ?? '').split(',').filter(Boolean);
      if (!list.includes(k)) list.push(k);
      s.channel.setVar('export_vars', list.join(','));
      return Promise.resolve();
    },
    set_global: (_s, arg) => {
      const [k, v] = splitVar(arg);
      if (k) engine.globals.set(k, v ?? '');
      return Promise.resolve();
    },
    log: () => Promise.resolve(),
    info: () => Promise.resolve(),
    event: () => Promise.resolve(),
    sleep: async (s, arg, signal) => {
      const ms = parseInt(arg, 10);
      if (ms > 0) await engine.clock.sleep(ms, signal);
    },
    hangup: (s, arg) => {
      s.hangup(arg.trim() || 'NORMAL_CLEARING');
      return Promise.resolve();
    },
    park: (s, _arg, signal) => park(s, signal),
    echo: async (s, _arg, signal) => {
      await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
    },
    transfer: (s, arg) => {
      const parts = arg.trim().split(/\s+/);
      if (parts[0] === '-bleg' || parts[0] === '-both') parts.shift();
      const destination = parts[0] ?? '';
      if (destination) {
        s.transfer({ destination, dialplan: parts[1] ?? 'XML', context: parts[2] ?? s.channel.profile.context });
      }
      return Promise.resolve();
    },
  };
}
