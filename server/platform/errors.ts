/**
 * The error taxonomy. One middleware maps these to HTTP (see http/errors.ts);
 * code never compares message strings, it checks the class or `code`.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class HotlineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The input fields the error is about, when it is about input. */
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: 400 with the offending fields named. */
export class ValidationError extends HotlineError {
  constructor(message: string, fields: FieldError[] = []) {
    super('validation_failed', message, fields);
  }
}

export class UnauthorizedError extends HotlineError {
  constructor(message = 'Authentication required') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends HotlineError {
  constructor(message = 'You do not have permission to do this') {
    super('forbidden', message);
  }
}

export class NotFoundError extends HotlineError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

/** A duplicate or a refused state change (deleting a unit that still has agents): 409. */
export class ConflictError extends HotlineError {
  constructor(message: string, code = 'conflict', fields: FieldError[] = []) {
    super(code, message, fields);
  }
}

/** An operation that the object's current state does not allow (a guarded transition refused it). */
export class InvalidStateError extends HotlineError {
  constructor(message: string) {
    super('invalid_state', message);
  }
}

export class RateLimitedError extends HotlineError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message);
  }
}

/** A dependency (database, Redis, FreeSWITCH) is unreachable or timed out: 503. */
export class UnavailableError extends HotlineError {
  constructor(message: string) {
    super('unavailable', message);
  }
}

/**
 * An upload over its size limit: 413. A ValidationError underneath, so code that does not
 * know the class still answers a client error naming the field; server/http/upload.ts
 * answers 413 itself.
 */
export class PayloadTooLargeError extends ValidationError {
  constructor(message: string, fields: FieldError[] = []) {
    super(message, fields);
  }
}
