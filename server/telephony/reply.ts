/**
 * Interpreting FreeSWITCH replies (pure; unit tested against fixture frames).
 *
 * - `api` answers with `api/response`; success or failure is in the body: `+OK ...`,
 *   a bare value (uuid_getvar, show ... as json, status), `-ERR ...` or `-USAGE: ...`.
 * - Other commands answer with `command/reply` and `Reply-Text: +OK ...` / `-ERR ...`.
 * - `bgapi` answers `Reply-Text: +OK Job-UUID: <uuid>`; the outcome arrives later as a
 *   BACKGROUND_JOB event whose body is what `api` would have returned.
 */
import { EslCommandError } from './errors';
import type { EslFrame } from './wire';

/** A successful command. `body` is exactly what FreeSWITCH returned (may end in '\n'). */
export interface EslOk {
  ok: true;
  body: string;
}

/** True when an api body (or BACKGROUND_JOB body) reports failure. */
export function isErrorBody(body: string): boolean {
  return body.startsWith('-ERR') || body.startsWith('-USAGE');
}

/** api/response body → EslOk, or throws EslCommandError carrying the raw body. */
export function interpretApiBody(command: string, body: string): EslOk {
  if (isErrorBody(body)) throw new EslCommandError(command, body);
  return { ok: true, body };
}

/**
 * Any reply frame → EslOk or EslCommandError. A command/reply to an `api` happens when the
 * connection is not authenticated (fixture i: `-ERR command not found`); it is still an answer.
 */
export function interpretReply(command: string, frame: EslFrame): EslOk {
  if (frame.kind === 'api-response') return interpretApiBody(command, frame.body);
  const text = frame.headers['Reply-Text'] ?? '';
  if (!text.startsWith('+OK')) throw new EslCommandError(command, text || `(no Reply-Text; ${frame.kind})`);
  return { ok: true, body: text };
}

/** The text after `+OK ` (trimmed), e.g. the uuid in `+OK <uuid>\n`. */
export function okPayload(body: string): string {
  return body.replace(/^\+OK\s?/, '').trim();
}
