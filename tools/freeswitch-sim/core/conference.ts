import { randomUUID } from 'node:crypto';
import type { Clock } from './clock';
import type { EventBus, Origin } from './event-bus';
import { ORIGIN } from './origins';
import type { Session } from './session';
import type { Header } from '../wire/event';

/**
 * mod_conference, reduced to membership: members join with the `conference` app, the
 * API lists, mutes, kicks and hangs them up, and everything is announced with CUSTOM
 * conference::maintenance events. Member ids come from one global counter, as in
 * FreeSWITCH (they are not 1..n per conference).
 */
export interface Member {
  id: number;
  session: Session;
  canSpeak: boolean;
  canHear: boolean;
  joinedAt: number;
  /** Resolves the member's `conference` app. */
  leave: (action: 'del' | 'kick' | 'hup') => void;
}

export class Conference {
  readonly uuid = randomUUID();
  readonly members: Member[] = [];
  floor: Member | undefined;
  readonly createdAt = Date.now();
  recording: string | undefined;

  constructor(readonly name: string, readonly profile: string, readonly domain: string) {}
}

export class ConferenceManager {
  private readonly conferences = new Map<string, Conference>();
  private nextMemberId = 1;

  constructor(private readonly bus: EventBus, private readonly clock: Clock) {}

  get(name: string): Conference | undefined {
    return this.conferences.get(name);
  }

  all(): Conference[] {
    return [...this.conferences.values()];
  }

  private confHeaders(c: Conference): Header[] {
    return [
      ['Conference-Name', c.name], ['Conference-Domain', c.domain], ['Conference-Size', String(c.members.length)],
      ['Conference-Ghosts', '0'], ['Conference-Profile-Name', c.profile], ['Conference-Unique-ID', c.uuid],
    ];
  }

  private fireConf(c: Conference, origin: Origin, action: string, extra: Header[] = []): void {
    this.bus.fire('CUSTOM', origin, { subclass: 'conference::maintenance', headers: [...this.confHeaders(c), ['Action', action], ...extra] });
  }

  /** A member event: conference headers, Floor, the channel's basic data, member flags, Action last. */
  fireMember(c: Conference, m: Member, origin: Origin, action: string): void {
    const ch = m.session.channel;
    const headers: Header[] = [...this.confHeaders(c), ['Floor', c.floor === m ? 'true' : 'false'], ...ch.basicData()];
    headers.push(
      ['Video', 'false'], ['Hear', String(m.canHear)], ['See', 'true'], ['Speak', String(m.canSpeak)], ['Talking', 'false'],
      ['Mute-Detect', 'false'], ['Hold', 'false'], ['Member-ID', String(m.id)], ['Member-Type', 'member'], ['Member-Ghost', 'false'],
      ['Energy-Level', '100'], ['Current-Energy', '0'], ['Action', action],
    );
    this.bus.fire('CUSTOM', origin, { subclass: 'conference::maintenance', headers });
  }

  /** Joins `session` to conference `name`; resolves when the member leaves. */
  join(session: Session, name: string, profile: string, signal: AbortSignal): Promise<void> {
    let c = this.conferences.get(name);
    if (!c) {
      c = new Conference(name, profile, '127.0.0.1');
      this.conferences.set(name, c);
      this.fireConf(c, ORIGIN.confCreate, 'conference-create');
    }
    const conf = c;
    return new Promise((resolve) => {
      const member: Member = {
        id: this.nextMemberId++,
        session,
        canSpeak: true,
        canHear: true,
        joinedAt: Date.now(),
        leave: (action) => {
          const idx = conf.members.indexOf(member);
          if (idx < 0) return;
          if (action === 'kick') this.fireMember(conf, member, ORIGIN.confKick, 'kick-member');
          conf.members.splice(idx, 1);
          if (conf.floor === member) {
            conf.floor = conf.members[0];
            this.fireConf(conf, ORIGIN.confFloor, 'floor-change', [['Old-ID', String(member.id)], ['New-ID', conf.floor ? String(conf.floor.id) : 'none']]);
          }
          this.fireMember(conf, member, ORIGIN.confDel, 'del-member');
          session.conference = undefined;
          session.channel.setVar('conference_member_id', undefined);
          if (conf.members.length === 0) {
            this.conferences.delete(conf.name);
            this.fireConf(conf, ORIGIN.confDestroy, 'conference-destroy');
          }
          resolve();
        },
      };
      conf.members.push(member);
      session.conference = { name: conf.name, memberId: member.id };
      session.channel.setVar('conference_name', conf.name);
      session.channel.setVar('conference_uuid', conf.uuid);
      session.channel.setVar('conference_member_id', String(member.id));
      this.fireMember(conf, member, ORIGIN.confAdd, 'add-member');
      if (!conf.floor) {
        conf.floor = member;
        this.fireMember(conf, member, ORIGIN.confFloor, 'floor-change');
      }
      if (signal.aborted) member.leave('del');
      else signal.addEventListener('abort', () => member.leave('del'), { once: true });
    });
  }

  setMute(c: Conference, m: Member, mute: boolean): void {
    m.canSpeak = !mute;
    this.fireMember(c, m, mute ? ORIGIN.confMute : ORIGIN.confUnmute, mute ? 'mute-member' : 'unmute-member');
  }

  /** hup: the member's channel is hung up (hup-member then del-member). */
  hup(c: Conference, m: Member): void {
    this.fireMember(c, m, ORIGIN.confHup, 'hup-member');
    m.session.hangup('NORMAL_CLEARING');
  }

  play(c: Conference, file: string, durationMs: number): void {
    this.fireConf(c, ORIGIN.confPlay, 'play-file', [['File', file], ['Async', 'false']]);
    this.clock.after(durationMs, () => {
      this.fireConf(c, ORIGIN.confPlayDone, 'play-file-done', [['seconds', String(Math.round(durationMs / 1000))], ['milliseconds', String(durationMs)], ['samples', String(durationMs * 8)], ['File', file]]);
    });
  }

  startRecording(c: Conference, file: string): void {
    c.recording = file;
    this.fireConf(c, ORIGIN.confRecord, 'start-recording', [['Path', file]]);
  }

  stopRecording(c: Conference): string | undefined {
    const file = c.recording;
    if (file) this.fireConf(c, ORIGIN.confRecord, 'stop-recording', [['Path', file], ['Other-Recordings', 'false'], ['Samples-Out', '0'], ['Milliseconds-Elapsed', '0']]);
    c.recording = undefined;
    return file;
  }
}
