import express, { type RequestHandler } from 'express';
import { HotlineError, ValidationError } from '../platform/errors';
import { jsonProblem, queryProblem } from './json-guard';

/** What a route's body may be: JSON (the default), a urlencoded form (FreeSWITCH's mod_xml_curl), or a multipart upload its handler reads. */
export type BodyType = 'json' | 'form' | 'multipart';

/** 415: the body's content type is not one the route accepts. */
export class UnsupportedMediaTypeError extends HotlineError {
  constructor(expected: string, got: string | undefined) {
    super('unsupported_media_type', `This endpoint takes ${expected} bodies${got ? `, not ${got}` : ''}`);
  }
}

const JSON_TYPES = ['application/json', 'application/*+json'];
const json = express.json({ limit: '1mb', type: JSON_TYPES });
// mod_xml_curl posts form fields; one value per key (extended: false), never nested objects.
const form = express.urlencoded({ extended: false, limit: '64kb' });

/**
 * The body parser of one route. Only the declared type is accepted, so a form or
 * text/plain POST (what a cross-site <form> can send without a preflight) never
 * reaches a JSON route: 415 instead. Parsed JSON is checked for NUL bytes and depth
 * here, before any route's validation runs.
 */
export function bodyParser(type: BodyType): RequestHandler[] {
  if (type === 'multipart') return [requireType(['multipart/form-data'], 'multipart/form-data')];
  if (type === 'form') return [requireType(['application/x-www-form-urlencoded'], 'application/x-www-form-urlencoded'), form];
  return [requireType(JSON_TYPES, 'application/json'), json, guardJson];
}

function requireType(types: string[], expected: string): RequestHandler {
  return (req, _res, next) => {
    // req.is: null without a body (nothing to refuse), false for another type.
    if (req.is(types) === false) throw new UnsupportedMediaTypeError(expected, req.get('content-type')?.split(';')[0]);
    next();
  };
}

const guardJson: RequestHandler = (req, _res, next) => {
  const problem = jsonProblem(req.body);
  if (problem) throw new ValidationError(`Invalid body: ${problem.path}: ${problem.message}`, [problem]);
  next();
};

/** Every request: a NUL byte in the query string is refused before any route sees it. */
export const guardQuery: RequestHandler = (req, _res, next) => {
  const problem = queryProblem(req.query);
  if (problem) throw new ValidationError(`Invalid query: ${problem.path}: ${problem.message}`, [problem]);
  next();
};
