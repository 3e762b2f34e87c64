/**
 * Multipart uploads, streamed to disk: multer's diskStorage writes into one private (0700)
 * directory of this process, the size limit is enforced while the bytes arrive (busboy stops
 * at limits.fileSize), and the file is removed when the handler is done with it. Nothing is
 * held whole in memory. Over the limit: 413; a malformed or truncated body: 400.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Request, Response } from 'express';
import multer from 'multer';
import { PayloadTooLargeError, ValidationError } from '../platform/errors';

export interface ReceivedFile {
  /** Absolute path of the upload in the private directory; removed after the handler. */
  path: string;
  originalName: string;
  /** As the client declared it: sniff the bytes before trusting it. */
  mime: string;
  size: number;
  /** The first bytes, for magic-number checks. */
  head: Buffer;
}

export interface UploadLimits {
  /** The multipart field that carries the file. */
  field: string;
  maxBytes: number;
  /** Non-file fields accepted alongside (each at most 1 KB). */
  maxFields?: number;
}

let privateDir: string | undefined;

/** One directory per process, created on first use; mkdtemp makes it 0700, so no other user reads uploads. */
function uploadDir(): string {
  if (!privateDir) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-upload-'));
    // Files are removed after each request; the empty directory goes with the process.
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    privateDir = dir;
  }
  return privateDir;
}

const HEAD_BYTES = 16;

function readHead(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** A disk or system failure is ours (500); anything else busboy or multer reports is the client's body. */
function isSystemError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

function toClientError(err: unknown, limits: UploadLimits): Error {
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return new PayloadTooLargeError(`The file is larger than ${limits.maxBytes} bytes`, [{ path: err.field ?? limits.field, message: `at most ${limits.maxBytes} bytes` }]);
    return new ValidationError(`Upload refused: ${err.message}`, [{ path: err.field ?? limits.field, message: err.message }]);
  }
  if (err instanceof Error && !isSystemError(err)) return new ValidationError(`Malformed multipart body: ${err.message}`, [{ path: limits.field, message: 'the upload is malformed or incomplete' }]);
  return err instanceof Error ? err : new Error(`upload failed: ${String(err)}`);
}

function receive(req: Request, res: Response, limits: UploadLimits): Promise<void> {
  const middleware = multer({
    storage: multer.diskStorage({ destination: uploadDir() }),
    limits: { fileSize: limits.maxBytes, files: 1, fields: limits.maxFields ?? 5, fieldSize: 1024, parts: (limits.maxFields ?? 5) + 1 },
  }).single(limits.field);
  return new Promise((resolve, reject) => middleware(req, res, (err: unknown) => (err ? reject(toClientError(err, limits)) : resolve())));
}

function tooLarge(res: Response, err: PayloadTooLargeError): undefined {
  res.status(413).json({ error: { code: 'payload_too_large', message: err.message, fields: err.fields } });
  return undefined;
}

/**
 * Receives the upload, runs `handle` with it (undefined when the request carried no file),
 * then removes the file. A PayloadTooLargeError, from the limit or from `handle`, is answered
 * 413 here (the result is then undefined and the response already sent).
 */
export async function withUpload<T>(req: Request, res: Response, limits: UploadLimits, handle: (file: ReceivedFile | undefined, fields: Record<string, unknown>) => Promise<T>): Promise<T | undefined> {
  try {
    await receive(req, res, limits);
  } catch (err) {
    if (err instanceof PayloadTooLargeError) return tooLarge(res, err);
    throw err;
  }
  const f = req.file;
  try {
    const file = f ? { path: f.path, originalName: f.originalname, mime: f.mimetype, size: f.size, head: readHead(f.path) } : undefined;
    return await handle(file, { ...(req.body as Record<string, unknown> | undefined) });
  } catch (err) {
    if (err instanceof PayloadTooLargeError) return tooLarge(res, err);
    throw err;
  } finally {
    if (f) fs.rmSync(f.path, { force: true });
  }
}
