/**
 * The call's recording: one stereo file on the caller's channel (caller left, everything
 * the caller hears right), so it spans transfers and conferences. Pause/resume masks the
 * audio (card numbers). Owned by the CallSession; stop() is idempotent and resolves with
 * the file once FreeSWITCH reported RECORD_STOP (or after a grace period).
 *
 *   idle ──start──▶ recording ◀──resume── paused
 *                      │  └──pause──────────▲
 *                      └──stop──▶ stopped ◀── (paused) stop
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/logger';
import { commands, type OutboundSession } from '../telephony';
import type { EslCommandTarget } from '../telephony/commands';
import { header } from '../telephony/wire';
import { InvalidStateError } from '../platform/errors';

export enum RecorderState {
  Idle = 'idle',
  Recording = 'recording',
  Paused = 'paused',
  Stopped = 'stopped',
}

const MOVES: Record<RecorderState, RecorderState[]> = {
  [RecorderState.Idle]: [RecorderState.Recording, RecorderState.Stopped],
  [RecorderState.Recording]: [RecorderState.Paused, RecorderState.Stopped],
  [RecorderState.Paused]: [RecorderState.Recording, RecorderState.Stopped],
  [RecorderState.Stopped]: [],
};

export class CallRecorder {
  #state = RecorderState.Idle;
  #stopped: Promise<string | undefined> | undefined;
  readonly file: string;
  #sawStop = false;

  constructor(
    private readonly caller: OutboundSession,
    private readonly esl: EslCommandTarget,
    dir: string,
    callId: string,
    private readonly log: Logger,
  ) {
    const day = new Date().toISOString().slice(0, 10);
    this.file = path.join(dir, day, `${callId}.wav`);
    caller.on('event', (ev) => {
      if (ev.name === 'RECORD_STOP' && header(ev, 'Record-File-Path') === this.file) this.#sawStop = true;
    });
  }

  get state(): RecorderState {
    return this.#state;
  }

  #transition(to: RecorderState): void {
    if (!MOVES[this.#state].includes(to)) throw new InvalidStateError(`recording cannot go from ${this.#state} to ${to}`);
    this.log.debug({ from: this.#state, to }, 'recording state');
    this.#state = to;
  }

  /** Resolves when FreeSWITCH accepted the command (RECORD_START follows). */
  async start(): Promise<void> {
    if (this.#state !== RecorderState.Idle) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    await this.esl.api(commands.buildUuidSetvar(this.caller.uuid, 'RECORD_STEREO', 'true'));
    await commands.uuidRecord(this.esl, this.caller.uuid, 'start', this.file);
    this.#transition(RecorderState.Recording);
  }

  async pause(): Promise<void> {
    if (this.#state !== RecorderState.Recording) throw new InvalidStateError(`recording is ${this.#state}`);
    await commands.uuidRecord(this.esl, this.caller.uuid, 'mask', this.file);
    this.#transition(RecorderState.Paused);
  }

  async resume(): Promise<void> {
    if (this.#state !== RecorderState.Paused) throw new InvalidStateError(`recording is ${this.#state}`);
    await commands.uuidRecord(this.esl, this.caller.uuid, 'unmask', this.file);
    this.#transition(RecorderState.Recording);
  }

  /** Idempotent. Resolves with the file when something was recorded, undefined otherwise. */
  stop(): Promise<string | undefined> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<string | undefined> {
    const was = this.#state;
    this.#state = RecorderState.Stopped;
    if (was === RecorderState.Idle) return undefined;
    // The caller may already be gone (the recording stopped with the channel): nothing to stop then.
    await commands.uuidRecord(this.esl, this.caller.uuid, 'stop', this.file).catch(() => undefined);
    for (let i = 0; i < 50 && !this.#sawStop && !fs.existsSync(this.file); i++) await new Promise((r) => setTimeout(r, 100));
    return this.file;
  }
}
