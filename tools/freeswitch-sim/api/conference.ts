import type { Conference, Member } from '../core/conference';
import type { Engine } from '../core/engine';
import { resolvePlayable } from '../media/files';
import { writeToneWav } from '../media/wav';
import { recordingPath } from '../apps/record';
import { splitArgs } from './args';
import { cjsonPrint } from './cjson';
import type { ApiCommand } from './types';

/**
 * mod_conference's `conference` API: list, json_list, list count, mute/unmute, kick,
 * hup, play, record/norecord, with the reply texts of e_conference_3party.txt.
 */
function flags(c: Conference, m: Member): string {
  const f: string[] = [];
  if (m.canHear) f.push('hear');
  if (m.canSpeak) f.push('speak');
  if (c.floor === m) f.push('floor');
  return f.join('|');
}

function listLine(c: Conference, m: Member): string {
  const p = m.session.channel.profile;
  return `${m.id};${m.session.channel.name};${m.session.uuid};${p.callerIdName};${p.callerIdNumber};${flags(c, m)};0;0;100\n`;
}

function jsonList(confs: Conference[]): string {
  const now = Date.now();
  const data = confs.map((c) => ({
    conference_name: c.name,
    member_count: c.members.length,
    ghost_count: 0,
    rate: 8000,
    run_time: Math.floor((now - c.createdAt) / 1000),
    conference_uuid: c.uuid,
    canvas_count: 0,
    max_bw_in: 0,
    force_bw_in: 0,
    video_floor_packets: 0,
    locked: false,
    destruct: false,
    wait_mod: false,
    audio_always: false,
    running: true,
    answered: true,
    enforce_min: true,
    bridge_to: false,
    dynamic: true,
    exit_sound: true,
    enter_sound: true,
    recording: c.recording !== undefined,
    video_bridge: false,
    video_floor_only: false,
    video_rfc4579: false,
    variables: {},
    members: [...c.members].reverse().map((m) => ({
      type: 'caller',
      id: m.id,
      flags: {
        can_hear: m.canHear, can_see: true, can_speak: m.canSpeak, hold: false, mute_detect: false, talking: false,
        has_video: false, video_bridge: false, has_floor: c.floor === m, is_moderator: false, end_conference: false,
        mandatory_member_end_conference: false, pass_digits: false,
      },
      uuid: m.session.uuid,
      caller_id_name: m.session.channel.profile.callerIdName,
      caller_id_number: m.session.channel.profile.callerIdNumber,
      join_time: Math.floor((now - m.joinedAt) / 1000),
      last_talking: 0,
      energy: 100,
      volume_in: 0,
      volume_out: 0,
      'output-volume': 0,
      'input-volume': 0,
    })),
  }));
  return cjsonPrint(data);
}

export function conferenceCommand(engine: Engine): ApiCommand {
  const mgr = engine.conferences;
  const recordingStarted = new Map<string, number>();
  const finishRecording = (c: Conference): string | undefined => {
    const file = mgr.stopRecording(c);
    if (file) {
      const started = recordingStarted.get(file) ?? Date.now();
      recordingStarted.delete(file);
      writeToneWav(file, Math.round((Date.now() - started) * engine.clock.speed));
    }
    return file;
  };

  return (arg) => {
    const a = splitArgs(arg);
    if (!a.length) return '-ERR Invalid command or missing arguments\n';
    if (a[0] === 'list' && a.length === 1) {
      return mgr
        .all()
        .map((c) => `+OK Conference ${c.name} (${c.members.length} member${c.members.length === 1 ? '' : 's'} rate: 8000 flags: running|answered|enforce_min|dynamic|exit_sound|enter_sound|json_events)\n` + [...c.members].reverse().map((m) => listLine(c, m)).join(''))
        .join('');
    }
    if (a[0] === 'json_list' && a.length === 1) return jsonList(mgr.all());
    const name = a[0] as string;
    const sub = a[1];
    const c = mgr.get(name);
    if (!c) return `-ERR Conference ${name} not found\n`;
    const pick = (id: string | undefined): Member[] | string => {
      if (id === 'all') return [...c.members].reverse();
      if (id === 'last') return c.members.slice(-1);
      const m = c.members.find((x) => String(x.id) === id);
      return m ? [m] : `-ERR Non-Existant ID ${id ?? ''}\n`;
    };
    switch (sub) {
      case 'list':
        if (a[2] === 'count') return String(c.members.length);
        return [...c.members].reverse().map((m) => listLine(c, m)).join('');
      case 'json_list':
        return jsonList([c]);
      case 'count':
        return String(c.members.length);
      case 'mute':
      case 'unmute': {
        const ms = pick(a[2]);
        if (typeof ms === 'string') return ms;
        return ms.map((m) => {
          mgr.setMute(c, m, sub === 'mute');
          return `+OK ${sub} ${m.id}\n`;
        }).join('');
      }
      case 'kick': {
        const ms = pick(a[2]);
        if (typeof ms === 'string') return ms;
        const out = ms.map((m) => `+OK kicked ${m.id}\n`).join('');
        for (const m of ms) m.leave('kick');
        return out;
      }
      case 'hup': {
        const ms = pick(a[2]);
        if (typeof ms === 'string') return ms;
        const out = ms.map((m) => `+OK hup ${m.id}\n`).join('');
        for (const m of ms) mgr.hup(c, m);
        return out;
      }
      case 'play': {
        const file = a[2];
        if (!file) return '-ERR (play) Missing file\n';
        const p = resolvePlayable(file, engine.opts.soundsDir);
        if (p.kind === 'missing') return `-ERR (play) File: ${file} not found.\n`;
        mgr.play(c, file, p.kind === 'file' || !p.endless ? p.durationMs : 10_000);
        return `+OK (play) Playing file ${file}\n`;
      }
      case 'record': {
        const file = a[2];
        if (!file) return '-ERR Invalid command or missing arguments\n';
        const full = recordingPath(engine, file);
        recordingStarted.set(full, Date.now());
        mgr.startRecording(c, full);
        return `+OK Record file ${full}\n`;
      }
      case 'norecord':
      case 'recording': {
        const file = finishRecording(c);
        return file ? `+OK Stopped recording file ${file}\n` : '-ERR Not recording\n';
      }
      default:
        return '-ERR Invalid command or missing arguments\n';
    }
  };
}
