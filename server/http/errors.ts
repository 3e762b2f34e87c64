import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { HotlineError, RateLimitedError, ValidationError, type FieldError } from '../platform/errors';
import type { Logger } from '../logging/logger';

const STATUS: Record<string, number> = {
  ValidationError: 400,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  InvalidStateError: 409,
  UnsupportedMediaTypeError: 415,
  RateLimitedError: 429,
  UnavailableError: 503,
};

export function statusOf(err: HotlineError): number {
  let proto: object | null = Object.getPrototypeOf(err) as object | null;
  while (proto && proto !== HotlineError.prototype) {
    const status = STATUS[(proto.constructor as { name: string }).name];
    if (status) return status;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return 500;
}

export function zodToValidationError(where: 'body' | 'query' | 'params', error: z.ZodError): ValidationError {
  const fields: FieldError[] = error.issues.map((i) => ({ path: i.path.length ? i.path.join('.') : where, message: i.message }));
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  return new ValidationError(`Invalid ${where}: ${summary}`, fields);
}

/** Maps every error to `{error: {code, message, fields?}}`; unknown errors become 500 without leaking internals. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof HotlineError) {
      const status = statusOf(err);
      if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      const body: { code: string; message: string; fields?: FieldError[] } = { code: err.code, message: err.message };
      if (err.fields.length > 0) body.fields = err.fields;
      res.status(status).json({ error: body });
      return;
    }
    // express.json() rejects malformed JSON with a SyntaxError carrying status 400.
    if (isBodyParserError(err)) {
      res.status(err.status).json({ error: { code: 'bad_request', message: `Malformed request body: ${err.message}` } });
      return;
    }
    const down = unavailableDependency(err);
    if (down) {
      log.warn({ err, dependency: down, method: req.method, url: req.originalUrl }, 'dependency unavailable');
      res.status(503).json({ error: { code: 'unavailable', message: `The ${down} is unavailable; try again shortly` } });
      return;
    }
    log.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Internal server error' } });
  };
}

function isBodyParserError(err: unknown): err is { status: number; message: string } {
  return typeof err === 'object' && err !== null && 'type' in err && 'status' in err && typeof (err as { status: unknown }).status === 'number' && (err as { status: number }).status < 500;
}

const PG_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '53300']);

/** A dropped database or Redis connection is a 503 the client may retry, not an internal error. */
function unavailableDependency(err: unknown): 'database' | 'cache (Redis)' | undefined {
  if (!(err instanceof Error)) return undefined;
  const name = err.name;
  if (name === 'MaxRetriesPerRequestError' || /Connection is closed|Stream isn't writeable/.test(err.message)) return 'cache (Redis)';
  const code = (err as { code?: unknown }).code;
  if ((typeof code === 'string' && PG_UNAVAILABLE.has(code)) || /Connection terminated|timeout exceeded when trying to connect/.test(err.message)) return 'database';
  return undefined;
}
