import type { Session } from '../core/session';

/** An API command: takes the raw argument string, returns the response body exactly as FreeSWITCH writes it. */
export type ApiCommand = (arg: string, session?: Session) => string | Promise<string>;
