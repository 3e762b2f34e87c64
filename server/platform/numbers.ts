import { z } from 'zod';

/** The largest value of a SQL `integer` (int4). */
export const SQL_INT_MAX = 2_147_483_647;

/**
 * Numbers from a query string that end up in SQL. Bounds are what the column can hold, so
 * `10000000` seconds (10^10 ms in an integer column), `1e308` or `Infinity` are a 400 naming
 * the field instead of an out-of-range error from Postgres (500).
 */
export function querySeconds(): z.ZodCoercedNumber {
  const max = Math.floor(SQL_INT_MAX / 1000);
  return z.coerce.number().min(0).max(max, `at most ${max} seconds`);
}

/** A paging offset: an integer Postgres takes as OFFSET. */
export function queryOffset(): z.ZodCoercedNumber {
  return z.coerce.number().int().min(0).max(SQL_INT_MAX, `at most ${SQL_INT_MAX}`);
}
