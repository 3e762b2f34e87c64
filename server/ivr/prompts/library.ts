/**
 * Prompts: uploaded audio and text rendered to speech, stored under MEDIA_DIR/prompts as
 * 8 kHz WAV named by content hash, listed in ivr_prompts by name. Text prompts inside flows
 * are rendered on first use and cached by content (MEDIA_DIR/prompts/tts/<sha256>.wav).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Db, Queryable } from '../../db/pool';
import type { Logger } from '../../logging/logger';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors';
import { NonFatalNodeError } from '../engine/errors';
import type { PromptRef, PromptResolver } from '../engine/ports';
import { slug } from '../engine/schemas';
import { promptsInUse } from '../store/flows';
import { isStreamFile, MEDIA_PATH } from '../engine/schemas';
import { MediaFiles } from './media-files';
import { convertToWav8k, renderSpeech, sha256File, sniffAudio, wavDurationMs, type MediaTools } from './media';

export const ttsPromptBody = z.strictObject({
  name: slug,
  text: z.string().min(1).max(1000),
  lang: z.enum(['en', 'zh']).default('zh'),
});

export const uploadFields = z.object({ name: slug });

export const AUDIO_EXTENSIONS = ['.wav', '.mp3', '.ogg', '.oga'];

export interface Prompt {
  id: string;
  name: string;
  kind: 'audio' | 'tts';
  language: 'en' | 'zh' | null;
  text: string | null;
  contentHash: string;
  file: string;
  sizeBytes: number;
  durationMs: number;
  originalName: string | null;
  createdAt: string;
}

const COLUMNS = `id, name, kind, language, text, content_hash AS "contentHash", file, size_bytes AS "sizeBytes", duration_ms AS "durationMs", original_name AS "originalName", created_at AS "createdAt"`;

export class PromptLibrary implements PromptResolver {
  readonly dir: string;
  /** MEDIA_DIR, where flows' `file` prompts must lie. */
  readonly media: MediaFiles;
  readonly #ttsDir: string;
  readonly #rendering = new Map<string, Promise<string>>();
  /** name → absolute file; dropped on create/delete in this process. */
  readonly #byName = new Map<string, string>();

  constructor(
    private readonly db: Db,
    mediaDir: string,
    private readonly tools: MediaTools,
    private readonly log: Logger,
  ) {
    this.media = new MediaFiles(mediaDir);
    this.dir = path.join(mediaDir, 'prompts');
    this.#ttsDir = path.join(this.dir, 'tts');
    fs.mkdirSync(this.#ttsDir, { recursive: true });
  }

  async list(q: Queryable = this.db): Promise<(Prompt & { usedBy: string[] })[]> {
    const [{ rows }, used] = await Promise.all([q.query<Prompt>(`SELECT ${COLUMNS} FROM ivr_prompts ORDER BY name`), promptsInUse(q)]);
    return rows.map((p) => ({ ...p, usedBy: used.get(p.name) ?? [] }));
  }

  async get(q: Queryable, id: string): Promise<Prompt> {
    const { rows } = await q.query<Prompt>(`SELECT ${COLUMNS} FROM ivr_prompts WHERE id = $1`, [id]);
    if (!rows[0]) throw new NotFoundError('Prompt');
    return rows[0];
  }

  absolute(p: Pick<Prompt, 'file'>): string {
    return path.join(this.dir, p.file);
  }

  /**
   * Converts an upload (wav/mp3/ogg) and stores it under `name`. `file` is the upload in a
   * private directory; `head` its first bytes, which decide the format ffmpeg is told to read
   * (never its own guess: a playlist named .wav must not make ffmpeg open other files).
   */
  async addAudio(q: Queryable, input: { name: string; originalName: string; file: string; head: Buffer; by: string | null }): Promise<Prompt> {
    const ext = path.extname(input.originalName).toLowerCase();
    if (!AUDIO_EXTENSIONS.includes(ext)) throw new ValidationError('Upload a .wav, .mp3 or .ogg file', [{ path: 'file', message: `unsupported file type "${ext || 'none'}"` }]);
    const format = sniffAudio(input.head);
    if (!format) throw new ValidationError('The file is not wav, mp3 or ogg audio', [{ path: 'file', message: 'not a wav, mp3 or ogg file (by its content)' }]);
    await this.#assertFree(q, input.name);
    const tmpOut = path.join(this.dir, `.tmp-${crypto.randomBytes(8).toString('hex')}.wav`);
    try {
      await convertToWav8k(this.tools, { file: input.file, format }, tmpOut);
      const hash = sha256File(tmpOut);
      const file = `${hash}.wav`;
      fs.renameSync(tmpOut, path.join(this.dir, file));
      return await this.#insert(q, { name: input.name, kind: 'audio', language: null, text: null, hash, file, originalName: input.originalName, by: input.by });
    } finally {
      fs.rmSync(tmpOut, { force: true });
    }
  }

  /** Renders text to speech and stores it under `name`. */
  async addSpeech(q: Queryable, input: { name: string; text: string; lang: 'en' | 'zh'; by: string | null }): Promise<Prompt> {
    await this.#assertFree(q, input.name);
    const abs = await this.render(input.text, input.lang);
    const hash = path.basename(abs, '.wav');
    return this.#insert(q, { name: input.name, kind: 'tts', language: input.lang, text: input.text, hash, file: path.relative(this.dir, abs), originalName: null, by: input.by });
  }

  /** Deletes a prompt; refused while the active version of a flow uses it. */
  async delete(q: Queryable, id: string): Promise<Prompt> {
    const p = await this.get(q, id);
    const users = (await promptsInUse(q)).get(p.name);
    if (users && users.length > 0) throw new ConflictError(`Prompt "${p.name}" is used by the published flow(s) ${users.join(', ')}`, 'in_use');
    await q.query('DELETE FROM ivr_prompts WHERE id = $1', [id]);
    this.#byName.delete(p.name);
    // Audio files are shared by content: remove the file only when no other prompt has it (TTS files stay as cache).
    if (p.kind === 'audio') {
      const { rows } = await q.query('SELECT 1 FROM ivr_prompts WHERE file = $1 LIMIT 1', [p.file]);
      if (rows.length === 0) fs.rmSync(this.absolute(p), { force: true });
    }
    return p;
  }

  /** Text → cached 8 kHz WAV (rendered once per content, concurrent requests share the render). */
  render(text: string, lang: 'en' | 'zh'): Promise<string> {
    const hash = crypto.createHash('sha256').update(`espeak-ng\n${lang}\n${text}`).digest('hex');
    const file = path.join(this.#ttsDir, `${hash}.wav`);
    const inflight = this.#rendering.get(hash);
    if (inflight) return inflight;
    if (fs.existsSync(file)) return Promise.resolve(file);
    const tmp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp.wav`;
    const job = renderSpeech(this.tools, text, lang, tmp)
      .then(() => {
        fs.renameSync(tmp, file);
        return file;
      })
      .finally(() => {
        this.#rendering.delete(hash);
        fs.rmSync(tmp, { force: true });
      });
    this.#rendering.set(hash, job);
    return job;
  }

  /** PromptResolver: what the engine plays. */
  async resolve(ref: PromptRef, defaultLang: 'en' | 'zh'): Promise<string> {
    try {
      if ('file' in ref) return this.#playable(ref.file);
      if ('text' in ref) return await this.render(ref.text, ref.lang ?? defaultLang);
      const cached = this.#byName.get(ref.prompt);
      if (cached) return cached;
      const { rows } = await this.db.query<{ file: string }>('SELECT file FROM ivr_prompts WHERE name = $1', [ref.prompt]);
      if (!rows[0]) throw new Error(`prompt "${ref.prompt}" does not exist`);
      const abs = this.absolute(rows[0]);
      this.#byName.set(ref.prompt, abs);
      return abs;
    } catch (err) {
      this.log.warn({ err, ref }, 'IVR prompt could not be resolved');
      throw new NonFatalNodeError(`prompt unavailable: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  /**
   * A `file` prompt as FreeSWITCH gets it: a built-in stream as written, or the real path of a
   * file under MEDIA_DIR. Checked again here, not only when the flow was published: a version
   * published before this rule, or a symlink swapped in since, must not play another file.
   */
  #playable(file: string): string {
    if (isStreamFile(file)) return file;
    if (!MEDIA_PATH.test(file)) throw new Error(`"${file}" is neither a stream nor a path under MEDIA_DIR`);
    const hit = this.media.locate(file);
    if ('problem' in hit) throw new Error(hit.problem);
    return hit.file;
  }

  async #assertFree(q: Queryable, name: string): Promise<void> {
    const { rows } = await q.query('SELECT 1 FROM ivr_prompts WHERE name = $1', [name]);
    if (rows.length > 0) throw new ConflictError(`A prompt named "${name}" already exists`, 'duplicate', [{ path: 'name', message: 'is taken' }]);
  }

  async #insert(q: Queryable, p: { name: string; kind: 'audio' | 'tts'; language: string | null; text: string | null; hash: string; file: string; originalName: string | null; by: string | null }): Promise<Prompt> {
    const abs = path.join(this.dir, p.file);
    const size = fs.statSync(abs).size;
    try {
      const { rows } = await q.query<Prompt>(
        `INSERT INTO ivr_prompts (name, kind, language, text, content_hash, file, size_bytes, duration_ms, original_name, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
        [p.name, p.kind, p.language, p.text, p.hash, p.file, size, wavDurationMs(abs), p.originalName, p.by],
      );
      this.#byName.delete(p.name);
      return rows[0]!;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ConflictError(`A prompt named "${p.name}" already exists`, 'duplicate', [{ path: 'name', message: 'is taken' }]);
      throw err;
    }
  }
}
