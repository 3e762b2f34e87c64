import crypto from 'node:crypto';
import { ConflictError, InvalidStateError, PayloadTooLargeError, ValidationError } from '../../platform/errors';
import type { ChatSettings } from './settings';

/**
 * The small rules of a conversation that are not its state: what a message may
 * carry, the recall window, rating, wrap-up and the signed customer identity.
 * Pure functions; node:crypto is computation, not I/O.
 */

export type MessageKind = 'text' | 'emoji' | 'image' | 'file';

/** Text is stored exactly as sent; safety is the renderer's job (textContent, never innerHTML). */
export function checkText(body: string, s: ChatSettings): void {
  if (body.trim().length === 0) throw new ValidationError('A message cannot be empty', [{ path: 'text', message: 'empty' }]);
  if ([...body].length > s.limits.textMaxChars) throw new ValidationError(`A message has at most ${s.limits.textMaxChars} characters`, [{ path: 'text', message: 'too long' }]);
}

/** Types a browser can only display, never run: no SVG or HTML (they carry script). */
export const IMAGE_TYPES: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };
export const FILE_TYPES: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'application/zip': 'zip',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  ...IMAGE_TYPES,
};

/** Magic numbers: the declared type of an image must match its bytes. */
function sniffImage(head: Buffer): string | undefined {
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

export function checkUpload(f: { mime: string; size: number; head: Buffer }, s: ChatSettings): { kind: 'image' | 'file'; mime: string; ext: string } {
  const sniffed = sniffImage(f.head);
  if (sniffed) {
    if (f.size > s.limits.imageMaxBytes) throw new PayloadTooLargeError(`Images are limited to ${s.limits.imageMaxBytes} bytes`, [{ path: 'file', message: 'too large' }]);
    return { kind: 'image', mime: sniffed, ext: IMAGE_TYPES[sniffed]! };
  }
  if (IMAGE_TYPES[f.mime]) throw new ValidationError('The image content does not match its type', [{ path: 'file', message: 'not a valid image' }]);
  const ext = FILE_TYPES[f.mime];
  if (!ext) throw new ValidationError(`Files of type ${f.mime} are not accepted`, [{ path: 'file', message: 'type not allowed' }]);
  if (f.size > s.limits.fileMaxBytes) throw new PayloadTooLargeError(`Files are limited to ${s.limits.fileMaxBytes} bytes`, [{ path: 'file', message: 'too large' }]);
  return { kind: 'file', mime: f.mime, ext };
}

/** Seed 000 §5.4.3: an agent recalls their own text message within the window (2 minutes). */
export function checkRecall(m: { senderKind: string; senderId: string | null; kind: string; createdAt: number; recalledAt: number | null }, agentId: string, now: number, s: ChatSettings): void {
  if (m.senderKind !== 'agent' || m.senderId !== agentId) throw new InvalidStateError('Only your own messages can be recalled');
  if (m.recalledAt !== null) throw new ConflictError('The message was already recalled', 'already_recalled');
  if (now - m.createdAt > s.limits.recallSeconds * 1000) throw new InvalidStateError(`Messages can be recalled within ${s.limits.recallSeconds} seconds of sending`);
}

export function checkRating(r: { level: number; tags: string[]; comment?: string | null }, options: { level: number; tags: string[] }[], s: ChatSettings): void {
  const opt = options.find((o) => o.level === r.level);
  if (!opt) throw new ValidationError(`level must be one of ${options.map((o) => o.level).join(', ')}`, [{ path: 'level', message: 'unknown level' }]);
  const bad = r.tags.filter((t) => !opt.tags.includes(t));
  if (bad.length) throw new ValidationError('Tags must be among the level’s tags', [{ path: 'tags', message: `unknown: ${bad.join(', ')}` }]);
  if (r.comment && !s.rating.comment) throw new ValidationError('Comments are turned off', [{ path: 'comment', message: 'not accepted' }]);
}

/** Seed 000 §4.1.5/§5.5: drafts are free; a submit needs a category and resolved/unresolved; a submitted wrap-up never changes. */
export function checkWrapUp(current: { status: 'draft' | 'submitted' } | undefined, next: { categoryId: string | null; resolved: boolean | null; submit: boolean }): void {
  if (current?.status === 'submitted') throw new InvalidStateError('A submitted wrap-up cannot be changed');
  if (next.submit) {
    const fields = [];
    if (!next.categoryId) fields.push({ path: 'categoryId', message: 'required to submit' });
    if (next.resolved === null) fields.push({ path: 'resolved', message: 'required to submit' });
    if (fields.length) throw new ValidationError('A category and resolved/unresolved are both required to submit', fields);
  }
}

export const MAX_CATEGORY_DEPTH = 4;

/**
 * A customer identity the site vouches for: HMAC-SHA256(secret, identityPayload(...)) in
 * hex; ts in ms, at most a day old. Anything else is ignored (anonymous), never trusted.
 */
export function verifyIdentity(secret: string, id: { customerId?: string; name?: string; ts?: number; sig?: string }, now: number): { customerId: string; name: string } | undefined {
  if (!id.customerId || !id.sig || typeof id.ts !== 'number') return undefined;
  if (Math.abs(now - id.ts) > 24 * 3600 * 1000) return undefined;
  const want = signIdentity(secret, { customerId: id.customerId, name: id.name ?? '', ts: id.ts });
  const a = Buffer.from(want, 'hex');
  const b = Buffer.from(id.sig, 'hex');
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return undefined;
  return { customerId: id.customerId, name: id.name ?? '' };
}

/**
 * What is signed: the JSON array `["<customerId>","<name>",<ts>]`. JSON quotes and escapes
 * each field, so no choice of field values encodes the same bytes as another (a plain
 * "a|b|ts" join let the signature of ("C1", "x|y") pass for customer "C1|x").
 */
export function identityPayload(id: { customerId: string; name: string; ts: number }): string {
  return JSON.stringify([id.customerId, id.name, id.ts]);
}

export function signIdentity(secret: string, id: { customerId: string; name: string; ts: number }): string {
  return crypto.createHmac('sha256', secret).update(identityPayload(id)).digest('hex');
}
