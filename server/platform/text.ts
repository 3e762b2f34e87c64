import { z } from 'zod';

export const NUL_MESSAGE = 'must not contain NUL (\\u0000) characters';

/**
 * A string that Postgres can store: `text` and `jsonb` refuse NUL (U+0000), so a NUL that
 * got past the edge became a 500 from the INSERT. Refusing it here names the field in a 400.
 * Chain the usual checks after it: `text().trim().min(1).max(100)`.
 */
export function text(): z.ZodString {
  return z.string().refine((v) => !v.includes('\u0000'), NUL_MESSAGE);
}
