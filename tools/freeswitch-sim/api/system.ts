import { randomUUID } from 'node:crypto';
import type { Engine } from '../core/engine';
import { strftime } from '../core/expand';
import type { Session } from '../core/session';
import { splitArgs } from './args';
import type { ApiCommand } from './types';

export const VERSION = 'FreeSWITCH Version 1.10.12-release~64bit ( 64bit)';

const SHOW_USAGE =
  '-USAGE: codec|endpoint|application|api|dialplan|file|timer|calls [count]|channels [count|like <match string>]|calls|detailed_calls|bridged_calls|detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|say|interfaces|interface_types|tasks|limits|status\n';

const CHANNEL_COLUMNS = [
  'uuid', 'direction', 'created', 'created_epoch', 'name', 'state', 'cid_name', 'cid_num', 'ip_addr', 'dest', 'application',
  'application_data', 'dialplan', 'context', 'read_codec', 'read_rate', 'read_bit_rate', 'write_codec', 'write_rate',
  'write_bit_rate', 'secure', 'hostname', 'presence_id', 'presence_data', 'accountcode', 'callstate', 'callee_name',
  'callee_num', 'callee_direction', 'call_uuid', 'sent_callee_name', 'sent_callee_num', 'initial_cid_name', 'initial_cid_num',
  'initial_ip_addr', 'initial_dest', 'initial_dialplan', 'initial_context',
] as const;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function channelRow(engine: Engine, s: Session): Record<(typeof CHANNEL_COLUMNS)[number], string> {
  const ch = s.channel;
  const created = new Date(Math.floor(ch.times.created / 1000));
  const codec = ch.readCodec;
  return {
    uuid: ch.uuid,
    direction: ch.direction,
    created: `${created.getFullYear()}-${pad(created.getMonth() + 1)}-${pad(created.getDate())} ${pad(created.getHours())}:${pad(created.getMinutes())}:${pad(created.getSeconds())}`,
    created_epoch: String(Math.floor(ch.times.created / 1e6)),
    name: ch.name,
    state: ch.state,
    cid_name: ch.profile.callerIdName,
    cid_num: ch.profile.callerIdNumber,
    ip_addr: ch.direction === 'inbound' ? ch.profile.networkAddr : '',
    dest: ch.profile.destinationNumber,
    application: s.currentApp ?? '',
    application_data: s.currentApp ? (ch.getVar('current_application_data') ?? '') : '',
    dialplan: ch.profile.dialplan,
    context: ch.profile.context,
    read_codec: codec?.name ?? '',
    read_rate: codec ? String(codec.rate) : '',
    read_bit_rate: codec ? String(codec.bitRate) : '',
    write_codec: ch.writeCodec?.name ?? '',
    write_rate: ch.writeCodec ? String(ch.writeCodec.rate) : '',
    write_bit_rate: ch.writeCodec ? String(ch.writeCodec.bitRate) : '',
    secure: '',
    hostname: engine.bus.hostname,
    presence_id: ch.presenceId ?? '',
    presence_data: '',
    accountcode: '',
    callstate: ch.callState,
    callee_name: ch.profile.calleeIdName ?? '',
    callee_num: ch.profile.calleeIdNumber ?? '',
    callee_direction: '',
    call_uuid: ch.getVar('call_uuid') ?? ch.uuid,
    sent_callee_name: '',
    sent_callee_num: '',
    initial_cid_name: ch.profile.origCallerIdName,
    initial_cid_num: ch.profile.origCallerIdNumber,
    initial_ip_addr: ch.direction === 'inbound' ? ch.profile.networkAddr : '',
    initial_dest: ch.profile.destinationNumber,
    initial_dialplan: 'XML',
    initial_context: ch.profile.context,
  };
}

export function systemCommands(engine: Engine): Record<string, ApiCommand> {
  const live = (): Session[] => [...engine.sessions.values()].filter((s) => s.up);
  return {
    version: () => `${VERSION}\n`,
    hostname: () => engine.bus.hostname,
    create_uuid: () => randomUUID(),
    strftime: (arg) => strftime(arg || '%Y-%m-%d %T'),
    echo: (arg) => arg,
    reloadxml: () => '+OK [Success]\n',
    global_getvar: (arg) => (arg ? (engine.globals.get(arg.trim()) ?? '') : [...engine.globals].map(([k, v]) => `${k}=${v}\n`).join('')),
    global_setvar: (arg) => {
      const eq = arg.indexOf('=');
      if (eq > 0) engine.globals.set(arg.slice(0, eq).trim(), arg.slice(eq + 1));
      return '+OK\n';
    },
    status: () => {
      let up = Date.now() - engine.startedAt;
      const ms = up % 1000;
      up = Math.floor(up / 1000);
      const sec = up % 60;
      const min = Math.floor(up / 60) % 60;
      const hours = Math.floor(up / 3600) % 24;
      const days = Math.floor(up / 86400) % 365;
      const years = Math.floor(up / (86400 * 365));
      const n = live().length;
      return (
        `UP ${years} years, ${days} days, ${hours} hours, ${min} minutes, ${sec} seconds, ${ms} milliseconds, 0 microseconds\n` +
        'FreeSWITCH (Version 1.10.12-release  64bit) is ready\n' +
        `${engine.sessionsSinceStartup} session(s) since startup\n` +
        `${n} session(s) - peak ${engine.peakSessions}, last 5min ${engine.peakSessions} \n` +
        `0 session(s) per Sec out of max 30, peak ${Math.min(engine.peakSessions, 30)}, last 5min ${Math.min(engine.peakSessions, 30)} \n` +
        '1000 session(s) max\n' +
        'min idle cpu 0.00/99.00\n' +
        'Current Stack Size/Max 240K/8192K\n'
      );
    },
    show: (arg) => {
      const a = splitArgs(arg);
      const what = a[0];
      if (what !== 'channels' && what !== 'calls') return SHOW_USAGE;
      let rows = live().map((s) => channelRow(engine, s));
      if (a[1] === 'like' && a[2]) rows = rows.filter((r) => Object.values(r).some((v) => v.includes(a[2] as string)));
      if (a[1] === 'count') return `\n${rows.length} total.\n`;
      if (a.includes('json')) {
        return rows.length ? JSON.stringify({ row_count: rows.length, rows }) : JSON.stringify({ row_count: 0 });
      }
      const head = CHANNEL_COLUMNS.join(',');
      return `${head}\n${rows.map((r) => CHANNEL_COLUMNS.map((c) => r[c]).join(',')).join('\n')}${rows.length ? '\n' : ''}\n${rows.length} total.\n`;
    },
    sofia: (arg) => {
      const a = splitArgs(arg);
      if (a[0] !== 'status') return '-ERR Usage: sofia status|xmlstatus|loglevel|... (simulated: status only)\n';
      if (a[1] === 'profile' && a[2]) {
        if (a[2] !== 'internal' && a[2] !== 'external') return `Invalid Profile [${a[2]}]`;
        const regs = a[2] === 'internal' ? engine.endpoints.list().filter((e) => e.registered) : [];
        let out = '\nRegistrations:\n=================================================================================================\n';
        for (const e of regs) {
          out += `Call-ID:    \t${e.callId}\nUser:       \t${e.name}@127.0.0.1\nContact:    \t"${e.name}" <${engine.endpoints.contact(e)}>\nAgent:      \tHotline FreeSWITCH simulator endpoint\nStatus:     \tRegistered(UDP)(unknown) EXP(3600)\nHost:       \t${engine.bus.hostname}\nIP:         \t127.0.0.1\nPort:       \t${e.contactPort}\nAuth-User:  \t${e.name}\nAuth-Realm: \t127.0.0.1\nMWI-Account:\t${e.name}@127.0.0.1\n\n`;
        }
        return out + `Total items returned: ${regs.length}\n=================================================================================================\n`;
      }
      const line = '=================================================================================================\n';
      const row = (name: string, type: string, data: string, state: string): string => `${name.padStart(25)}\t${type.padStart(7)}\t${data.padStart(40)}\t${state}\n`;
      return (
        row('Name', 'Type', 'Data', 'State') + line +
        row('external', 'profile', 'sip:mod_sofia@127.0.0.1:5080', 'RUNNING (0)') +
        row('internal', 'profile', 'sip:mod_sofia@127.0.0.1:5060', `RUNNING (${live().filter((s) => s.channel.name.startsWith('sofia/internal')).length})`) +
        row('127.0.0.1', 'alias', 'internal', 'ALIASED') +
        line + '2 profiles 1 alias\n'
      );
    },
  };
}
