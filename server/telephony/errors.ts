/**
 * The ESL error taxonomy. Callers branch on the class (or `code`), never on message text.
 *
 *   HotlineError
 *   ├── EslCommandError       FreeSWITCH answered, and the answer was -ERR / -USAGE (reply kept raw)
 *   ├── ChannelHangupError    the channel an execute/api targeted hung up before the outcome was known
 *   └── UnavailableError (503)
 *       ├── EslConnectionError  no usable connection: never connected, dropped, closed, auth refused
 *       └── EslTimeoutError     sent, but no answer within the command's timeout
 */
import { HotlineError, UnavailableError } from '../platform/errors';

/** FreeSWITCH refused a command. `reply` is the raw reply text/body, exactly as received. */
export class EslCommandError extends HotlineError {
  constructor(
    readonly command: string,
    readonly reply: string,
  ) {
    super('esl_command_failed', `FreeSWITCH refused "${firstWord(command)}": ${reply.trim()}`);
  }
}

/** The connection is not usable or dropped while the command was pending. */
export class EslConnectionError extends UnavailableError {
  readonly eslCode = 'esl_connection' as const;
  constructor(
    message: string,
    readonly node?: string,
  ) {
    super(message);
  }
}

/** No reply within the command's timeout. The command may still run on FreeSWITCH. */
export class EslTimeoutError extends UnavailableError {
  readonly eslCode = 'esl_timeout' as const;
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`No reply to "${firstWord(command)}" within ${timeoutMs} ms`);
  }
}

/** The call leg hung up while an execute (playback, play_and_get_digits, ...) was pending. */
export class ChannelHangupError extends HotlineError {
  constructor(
    readonly uuid: string,
    readonly hangupCause: string,
  ) {
    super('channel_hangup', `Channel ${uuid} hung up (${hangupCause})`);
  }
}

/**
 * Only the command word goes into messages: arguments can carry channel variables
 * (caller data, tokens) that do not belong in logs or HTTP error bodies.
 */
function firstWord(command: string): string {
  const words = command.trim().split(/\s+/);
  // "api uuid_kill ..." / "bgapi originate ..." read better with the api name included.
  return words[0] === 'api' || words[0] === 'bgapi' ? words.slice(0, 2).join(' ') : (words[0] ?? '');
}

/** For catch clauses: whatever was thrown, as an Error. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
