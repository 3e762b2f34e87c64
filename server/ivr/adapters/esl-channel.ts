/**
 * CallChannel over the telephony layer's OutboundSession (one outbound Event Socket per
 * call). Each method is one dialplan application via sendmsg execute and resolves on its
 * CHANNEL_EXECUTE_COMPLETE; results come from the event's `variable_*` headers.
 *
 * Errors: ChannelHangupError / EslConnectionError (the caller or the socket is gone) become
 * CallerHangupError; anything else FreeSWITCH refuses becomes NonFatalNodeError, so the
 * node takes its failure exit.
 */
import { ChannelHangupError, commands, EslConnectionError, SessionState, type OutboundSession } from '../../telephony';

/** What a caller hears while the transfer target rings (FreeSWITCH's us-ring). */
const RINGBACK = 'tone_stream://%(2000,4000,440,480)';
import { header } from '../../telephony/wire';
import { CallerHangupError, NonFatalNodeError } from '../engine/errors';
import type { BridgeResult, CallChannel, DigitRequest, DigitResult, RecordRequest, RecordResult } from '../engine/ports';

const DIGITS_VAR = 'hotline_ivr_digits';

export function toEngineError(err: unknown): Error {
  if (err instanceof CallerHangupError || err instanceof NonFatalNodeError) return err;
  if (err instanceof ChannelHangupError) return new CallerHangupError(err.hangupCause);
  if (err instanceof EslConnectionError) return new CallerHangupError('CONNECTION_LOST');
  return new NonFatalNodeError(`media server: ${err instanceof Error ? err.message : String(err)}`, err);
}

/** play_and_get_digits separates arguments by spaces: a file with a space cannot be passed. */
function fileArg(files: string[]): string {
  for (const f of files) if (/\s/.test(f)) throw new NonFatalNodeError(`prompt path contains whitespace: ${f}`);
  if (files.length === 0) return 'silence_stream://250';
  return files.length === 1 ? files[0]! : `file_string://${files.join('!')}`;
}

export class EslCallChannel implements CallChannel {
  constructor(private readonly session: OutboundSession) {}

  get uuid(): string {
    return this.session.uuid;
  }
  get callerNumber(): string {
    return this.session.channel.callerIdNumber;
  }
  get destinationNumber(): string {
    return this.session.channel.destinationNumber;
  }
  get hungUp(): boolean {
    return this.session.state === SessionState.HungUp || this.session.state === SessionState.Closed;
  }

  async #exec(app: string, arg?: string, timeoutMs?: number) {
    try {
      return await this.session.execute(app, arg, timeoutMs !== undefined ? { timeoutMs } : {});
    } catch (err) {
      throw toEngineError(err);
    }
  }

  async answer(): Promise<void> {
    await this.#exec('answer');
  }

  async play(files: string[]): Promise<void> {
    if (files.length === 0) return;
    await this.#exec('playback', fileArg(files));
  }

  async playAndGetDigits(req: DigitRequest): Promise<DigitResult> {
    // <min> <max> <tries> <timeout> <terminators> <file> <invalid_file> <var_name> <regexp> <digit_timeout>
    const args = [req.minDigits, req.maxDigits, 1, req.timeoutMs, req.terminators === '' ? 'none' : req.terminators, fileArg(req.prompt), 'silence_stream://150', DIGITS_VAR, req.regex === '' ? '^[0-9*#]+$' : req.regex, req.digitTimeoutMs];
    const r = await this.#exec('play_and_get_digits', args.join(' '));
    const digits = header(r.event, `variable_${DIGITS_VAR}`) ?? '';
    const terminator = header(r.event, 'variable_read_terminator_used');
    return terminator ? { digits, terminator } : { digits };
  }

  async record(req: RecordRequest): Promise<RecordResult> {
    if (/\s/.test(req.path)) throw new NonFatalNodeError('recording path contains whitespace');
    // record <path> [<time_limit_secs>] [<silence_thresh>] [<silence_hits>]
    const r = await this.#exec('record', `${req.path} ${req.maxSeconds} ${req.silenceThreshold} ${req.silenceSeconds}`, (req.maxSeconds + 30) * 1000);
    const ms = Number(header(r.event, 'variable_record_ms'));
    return Number.isFinite(ms) && ms > 0 ? { durationMs: ms } : {};
  }

  async setVar(name: string, value: string): Promise<void> {
    if (/[\r\n]/.test(value)) throw new NonFatalNodeError('variable values must not contain line breaks');
    await this.#exec('set', `${name}=${value}`);
  }

  async bridge(dialString: string, opts: { timeoutSec: number }): Promise<BridgeResult> {
    // The caller's own variables decide what a failed or ended bridge does to the caller (not `{}`: those go to the far leg).
    await this.session.api(commands.buildUuidSetvarMulti(this.session.uuid, commands.bridgeCallerVariables(RINGBACK))).catch((err: unknown) => {
      throw toEngineError(err);
    });
    const r = await this.#exec('bridge', `{originate_timeout=${opts.timeoutSec}}${dialString}`);
    const disposition = header(r.event, 'variable_originate_disposition') ?? header(r.event, 'variable_DIALSTATUS') ?? '';
    if (disposition === 'SUCCESS' || disposition === 'ANSWER' || header(r.event, 'variable_bridge_hangup_cause') !== undefined) return { outcome: 'connected' };
    return { outcome: 'failed', cause: disposition || r.response || 'UNKNOWN' };
  }

  async hangup(cause = 'NORMAL_CLEARING'): Promise<void> {
    try {
      await this.session.hangup(cause);
    } catch (err) {
      const e = toEngineError(err);
      if (!(e instanceof CallerHangupError)) throw e;
    }
  }

  onHangup(listener: (cause: string) => void): () => void {
    let fired = false;
    const once = (cause: string) => {
      if (fired) return;
      fired = true;
      listener(cause);
    };
    const onClosed = () => once(this.session.hangupCause ?? 'CONNECTION_LOST');
    this.session.on('hangup', once);
    this.session.on('closed', onClosed);
    return () => {
      this.session.off('hangup', once);
      this.session.off('closed', onClosed);
    };
  }
}
