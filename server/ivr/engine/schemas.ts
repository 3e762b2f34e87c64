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

export const promptRef = z.union([
  z.strictObject({ prompt: slug.describe('name of an uploaded or rendered prompt') }),
  z.strictObject({ text: z.string().min(1).max(1000).describe('text rendered to speech; ${var} is substituted'), lang: lang.optional() }),
  z.strictObject({ file: z.string().min(1).max(500).regex(/^[^\s]+$/, 'no spaces').describe('a file or stream the media server plays as is (tone_stream://, local_stream://moh)') }),
]);

export const prompts = z.union([promptRef, z.array(promptRef).min(1).max(10)]);

export const DTMF_KEY = /^[0-9*#]$/;
export const dtmfKey = z.string().regex(DTMF_KEY, 'one key: 0-9, * or #');

export const timeoutMs = (def: number) => z.number().int().min(500).max(60_000).default(def);
export const retries = z.number().int().min(0).max(5).default(2);
