import { uuidBridge } from '../core/bridge';
import type { Engine } from '../core/engine';
import { setHold } from '../core/hold';
import type { Session } from '../core/session';
import { recordingPath, startSessionRecording } from '../apps/record';
import { splitArgs } from './args';
import type { ApiCommand } from './types';

/** mod_commands' uuid_* commands, with their exact replies (see h_error_replies.txt, f_uuid_record.txt). */
const NO_CHANNEL = '-ERR No such channel!\n';

export function channelCommands(engine: Engine): Record<string, ApiCommand> {
  const find = (uuid: string | undefined): Session | undefined => (uuid ? engine.session(uuid) : undefined);

  const transferOne = (s: Session, dest: string, dialplan: string, context: string): void => {
    s.transfer({ destination: dest, dialplan, context });
  };

  return {
    uuid_kill: (arg) => {
      const [uuid, cause] = splitArgs(arg);
      if (!uuid) return '-USAGE: <uuid> [cause]\n';
      const s = find(uuid);
      if (!s) return NO_CHANNEL;
      s.hangup(cause || 'NORMAL_CLEARING');
      return '+OK\n';
    },
    uuid_getvar: (arg) => {
      const [uuid, name] = splitArgs(arg);
      if (!uuid || !name) return '-USAGE: <uuid> <var>\n';
      const s = find(uuid);
      if (!s) return NO_CHANNEL;
      // the bare value, no trailing newline; unset is _undef_
      return engine.lookup(s, name) ?? '_undef_';
    },
    uuid_setvar: (arg) => {
      const parts = splitArgs(arg);
      const [uuid, name] = parts;
      if (!uuid || !name) return '-USAGE: <uuid> <var> [value]\n';
      const s = find(uuid);
      if (!s) return NO_CHANNEL;
      const value = parts.slice(2).join(' ');
      s.channel.setVar(name, value || undefined);
      return '+OK\n';
    },
    uuid_setvar_multi: (arg) => {
      const [uuid, rest] = splitArgs(arg);
      const s = find(uuid);
      if (!uuid || !rest) return '-USAGE: <uuid> <var>=<value>;<var>=<value>...\n';
      if (!s) return NO_CHANNEL;
      for (const kv of rest.split(';')) {
        const eq = kv.indexOf('=');
        if (eq > 0) s.channel.setVar(kv.slice(0, eq), kv.slice(eq + 1) || undefined);
      }
      return '+OK\n';
    },
    uuid_exists: (arg) => (find(splitArgs(arg)[0]) ? 'true' : 'false'),
    uuid_answer: (arg) => {
      const s = find(splitArgs(arg)[0]);
      if (!s) return NO_CHANNEL;
      s.answer();
      return '+OK\n';
    },
    uuid_break: (arg) => {
      const s = find(splitArgs(arg)[0]);
      if (!s) return NO_CHANNEL;
      if (s.currentApp !== 'park' && s.currentApp !== 'socket') s.breakApp();
      return '+OK\n';
    },
    uuid_bridge: (arg) => {
      const [ua, ub] = splitArgs(arg);
      if (!ua || !ub) return '-USAGE: <uuid> <other_uuid>\n';
      const a = find(ua);
      const b = find(ub);
      if (!a || !b) return '-ERR Invalid uuid\n';
      uuidBridge(a, b);
      return `+OK ${b.uuid}\n`;
    },
    uuid_hold: (arg) => {
      const parts = splitArgs(arg);
      // mod_commands prints the usage and then the (failed) status
      if (!parts[0]) return '-USAGE: [off|toggle] <uuid> [<display>]\n-ERR Operation failed\n';
      let mode: 'on' | 'off' | 'toggle' = 'on';
      if (parts[0].toLowerCase() === 'off' || parts[0].toLowerCase() === 'toggle') mode = parts.shift()!.toLowerCase() as 'off' | 'toggle';
      const s = find(parts[0]);
      // quirk: an unknown (or missing) uuid still answers +OK Success; a refused hold/unhold is -ERR
      if (s && !setHold(engine, s, mode)) return '-ERR Operation failed\n';
      return '+OK Success\n';
    },
    /** uuid_transfer <uuid> [-bleg|-both] <dest> [<dialplan>] [<context>]; dialplan `inline` (or -inline) runs app:arg,app:arg */
    uuid_transfer: (arg) => {
      const parts = splitArgs(arg);
      const uuid = parts.shift();
      let leg: 'a' | 'b' | 'both' = 'a';
      let inline = false;
      while (parts[0]?.startsWith('-')) {
        const flag = parts.shift();
        if (flag === '-bleg') leg = 'b';
        else if (flag === '-both') leg = 'both';
        else if (flag === '-inline') inline = true;
      }
      const dest = parts[0];
      if (!uuid || !dest) return '-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n';
      const s = find(uuid);
      if (!s) return NO_CHANNEL;
      const dialplan = inline ? 'inline' : (parts[1] ?? 'XML');
      const context = parts[2] ?? s.channel.profile.context;
      const partner = s.channel.bridgedTo ? find(s.channel.bridgedTo.uuid) : undefined;
      if (leg === 'b' || leg === 'both') {
        if (!partner) return '-ERR No B-leg found\n';
        transferOne(partner, dest, dialplan, context);
      }
      if (leg === 'a' || leg === 'both') transferOne(s, dest, dialplan, context);
      return '+OK\n';
    },
    uuid_broadcast: (arg) => {
      const [uuid, path, legArg] = splitArgs(arg);
      if (!uuid || !path) return '-USAGE: <uuid> <path> [aleg|bleg|both]\n';
      const s = find(uuid);
      if (!s) return NO_CHANNEL;
      const targets: Session[] = [];
      const partner = s.channel.bridgedTo ? find(s.channel.bridgedTo.uuid) : undefined;
      if (legArg !== 'bleg') targets.push(s);
      if ((legArg === 'bleg' || legArg === 'both') && partner) targets.push(partner);
      // `app::arg` runs an application, anything else is played
      const m = /^([\w-]+)::(.*)$/s.exec(path);
      for (const t of targets) {
        t.queuePrivate({ kind: 'execute', call: m ? { app: m[1] as string, arg: m[2] as string } : { app: 'playback', arg: path }, loops: 1 });
      }
      return '+OK Message sent\n';
    },
    uuid_record: (arg) => {
      const [uuid, action, path, limit] = splitArgs(arg);
      const s = find(uuid);
      if (!s) return '-ERR Cannot locate session!\n';
      const usage = '-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>] [<recording_vars>]\n';
      if (!action || !path) return usage;
      const file = path === 'all' ? path : recordingPath(engine, path);
      switch (action) {
        case 'start':
          return startSessionRecording(engine, s, file, limit ? parseInt(limit, 10) : undefined) ? '+OK Success\n' : '-ERR Cannot record session!\n';
        case 'stop': {
          const files = file === 'all' ? [...s.mediaBugs.keys()] : [file];
          const bugs = files.map((f) => s.mediaBugs.get(f)).filter((b) => b !== undefined);
          if (!bugs.length) return '-ERR Cannot stop record session!\n';
          for (const b of bugs) void b.stop('success-maxtime');
          return '+OK Success\n';
        }
        case 'mask':
        case 'unmask': {
          const bug = s.mediaBugs.get(file);
          if (!bug) return `-ERR Cannot ${action} recording session!\n`;
          bug.setMask?.(action === 'mask');
          return '+OK Success\n';
        }
        // not in the usage line, but mod_commands has them (switch_ivr_record_session_pause)
        case 'pause':
        case 'resume': {
          const bug = s.mediaBugs.get(file);
          if (!bug) return `-ERR Cannot ${action} recording session!\n`;
          bug.setPaused?.(action === 'pause');
          return '+OK Success\n';
        }
        default:
          return usage;
      }
    },
    uuid_send_dtmf: (arg) => {
      const [uuid] = splitArgs(arg);
      return find(uuid) ? '+OK Success\n' : NO_CHANNEL;
    },
    uuid_park: (arg) => {
      const s = find(splitArgs(arg)[0]);
      if (!s) return NO_CHANNEL;
      s.transfer({ destination: 'park', dialplan: 'inline', context: s.channel.profile.context });
      return '+OK\n';
    },
  };
}
