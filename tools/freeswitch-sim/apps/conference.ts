import type { Engine } from '../core/engine';
import type { AppImpl } from '../core/session';

/** conference <name>[@<profile>][+flags{...}]: answers, joins, and returns when the member leaves. */
export function conferenceApps(engine: Engine): Record<string, AppImpl> {
  return {
    conference: async (s, arg, signal) => {
      const spec = arg.trim().split(/\s+/)[0] ?? '';
      const [nameProfile, flags] = spec.split('+flags');
      const [name, profile] = (nameProfile ?? '').split('@');
      if (!name) return;
      if (!s.channel.answered) s.answer();
      const joined = engine.conferences.join(s, name, profile || 'default', signal);
      if (flags?.includes('mute')) {
        const conf = engine.conferences.get(name);
        const m = conf?.members.find((x) => x.session === s);
        if (conf && m) engine.conferences.setMute(conf, m, true);
      }
      await joined;
    },
  };
}
