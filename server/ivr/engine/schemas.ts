/** Zod pieces shared by node parameter schemas (and so by the published JSON Schema). */
import { z } from 'zod';

export const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const nodeId = z.string().regex(NODE_ID, 'must start with a letter: letters, digits, _ and -, at most 64');

/** Names of prompts, flows, mailboxes, surveys. */
export const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const slug = z.string().regex(SLUG, 'lowercase letters, digits, _ and -, at most 64');

export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;
export const varName = z.string().regex(VAR_NAME, 'a variable name: letters, digits, _ and ., starting with a letter or _');

export const lang = z.enum(['en', 'zh']);

/**
 * FreeSWITCH's built-in sources a flow may play as they are. Only characters their syntax
 * needs: nothing FreeSWITCH would expand (`${var}`, `$${var}`, `{var=...}` prefixes, backticks)
 * and no `!` (file_string's separator).
 */
const STREAM = String.raw`(?:tone_stream://[A-Za-z0-9%(),;=.+-]+|local_stream://[A-Za-z0-9_-]+|silence_stream://[0-9]+(?:,[0-9]+)?)`;
/** A path relative to MEDIA_DIR: segments of letters, digits, _ . -; no `.` or `..` segment, not absolute. */
const SEGMENT = String.raw`(?!\.{1,2}(?:/|$))[A-Za-z0-9_.-]+`;
const MEDIA = `(?:${SEGMENT}(?:/${SEGMENT})*)`;

export const STREAM_FILE = new RegExp(`^${STREAM}$`);
export const MEDIA_PATH = new RegExp(`^${MEDIA}$`);

export const isStreamFile = (f: string): boolean => STREAM_FILE.test(f);

export const fileRef = z
  .string()
  .min(1)
  .max(500)
  .regex(new RegExp(`^(?:${STREAM}|${MEDIA})$`), 'a file under MEDIA_DIR (relative path: letters, digits, _ . - and /, no "..") or tone_stream://, local_stream://, silence_stream://')
  .describe('a file under MEDIA_DIR (relative path) or a stream FreeSWITCH plays as is (tone_stream://, local_stream://moh, silence_stream://)');

export const promptRef = z.union([
  z.strictObject({ prompt: slug.describe('name of an uploaded or rendered prompt') }),
  z.strictObject({ text: z.string().min(1).max(1000).describe('text rendered to speech; ${var} is substituted'), lang: lang.optional() }),
  z.strictObject({ file: fileRef }),
]);

export const prompts = z.union([promptRef, z.array(promptRef).min(1).max(10)]);

export const DTMF_KEY = /^[0-9*#]$/;
export const dtmfKey = z.string().regex(DTMF_KEY, 'one key: 0-9, * or #');

export const timeoutMs = (def: number) => z.number().int().min(500).max(60_000).default(def);
export const retries = z.number().int().min(0).max(5).default(2);
