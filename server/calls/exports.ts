/**
 * xlsx export of call records as a BullMQ job. Postgres (`call_exports`) is the record:
 * status and progress live there, so any server process answers the status request and
 * a lost Redis loses no export (start() re-enqueues the unfinished ones). The job id is
 * the export id, so a re-enqueue never runs an export twice at once.
 *
 *   queued ──worker picks it──▶ running ──all rows written──▶ done
 *                                  └──────error (after retries)──▶ failed
 *
 * Rows are read in pages (keyset on started_at, id) and streamed to the file, so a large
 * export never holds every row in memory. Only the requester, or a holder of
 * calls.view_all, may read the status or download the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Job } from 'bullmq';
import ExcelJS from 'exceljs';
import type { Principal } from '../auth/principal';
import { can } from '../auth/principal';
import type { Db } from '../db/pool';
import type { Logger } from '../logging/logger';
import { ForbiddenError, InvalidStateError, NotFoundError } from '../platform/errors';
import { JobQueue } from '../platform/job-queue';
import { CALL_COLUMNS, CALL_FROM, searchWhere, type SearchQuery } from './store';

const QUEUE = 'call-exports';
const PAGE = 500;
const ATTEMPTS = 2;

export type ExportFilter = Omit<SearchQuery, 'limit' | 'offset'>;
export type ExportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface ExportInfo {
  id: string;
  status: ExportStatus;
  progress: number;
  rowCount: number | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  filter: ExportFilter;
}

/** The columns of the sheet: header, the CALL_COLUMNS key, width. */
const SHEET: { header: string; key: string; width: number }[] = [
  { header: 'Call id', key: 'id', width: 38 },
  { header: 'Direction', key: 'direction', width: 10 },
  { header: 'Caller', key: 'callerNumber', width: 16 },
  { header: 'Called', key: 'destinationNumber', width: 16 },
  { header: 'Service number', key: 'serviceNumber', width: 16 },
  { header: 'Skill group', key: 'skillGroupName', width: 16 },
  { header: 'Started', key: 'startedAt', width: 20 },
  { header: 'Queued', key: 'queuedAt', width: 20 },
  { header: 'Answered', key: 'answeredAt', width: 20 },
  { header: 'Ended', key: 'endedAt', width: 20 },
  { header: 'Disposition', key: 'disposition', width: 18 },
  { header: 'Agent', key: 'agentName', width: 16 },
  { header: 'Agents involved', key: 'agentIds', width: 40 },
  { header: 'Offers', key: 'offerCount', width: 8 },
  { header: 'Queue wait (s)', key: 'queueWaitSec', width: 12 },
  { header: 'Ring (s)', key: 'ringSec', width: 10 },
  { header: 'Talk (s)', key: 'talkSec', width: 10 },
  { header: 'Hold (s)', key: 'holdSec', width: 10 },
  { header: 'Holds', key: 'holdCount', width: 8 },
  { header: 'Wrap-up (s)', key: 'wrapUpSec', width: 10 },
  { header: 'Transfers', key: 'transferCount', width: 10 },
  { header: 'Survey', key: 'surveyLevel1', width: 12 },
  { header: 'Survey detail', key: 'surveyLevel2', width: 14 },
  { header: 'Repeat 24h', key: 'repeat24h', width: 10 },
  { header: 'Repeat 48h', key: 'repeat48h', width: 10 },
  { header: 'Recording', key: 'recordingId', width: 38 },
  { header: 'Notes', key: 'notes', width: 40 },
];

const seconds = (ms: unknown) => (typeof ms === 'number' ? Math.round(ms / 100) / 10 : null);

function sheetRow(r: Record<string, unknown>): Record<string, unknown> {
  return {
    ...r,
    agentIds: Array.isArray(r.agentIds) ? r.agentIds.join(', ') : '',
    queueWaitSec: seconds(r.queueWaitMs),
    ringSec: seconds(r.ringMs),
    talkSec: seconds(r.talkMs),
    holdSec: seconds(r.holdMs),
    wrapUpSec: seconds(r.wrapUpMs),
  };
}

interface ExportJob {
  exportId: string;
}

export interface CallExportsOptions {
  db: Db;
  redisUrl: string;
  prefix: string;
  /** Where finished files go (MEDIA_DIR/exports/calls). */
  dir: string;
  log: Logger;
}

export class CallExports {
  readonly #jobs: JobQueue<ExportJob>;

  constructor(private readonly opts: CallExportsOptions) {
    this.#jobs = new JobQueue<ExportJob>({ name: QUEUE, redisUrl: opts.redisUrl, prefix: opts.prefix, log: opts.log, concurrency: 1, process: (job) => this.#process(job) });
    this.#jobs.worker.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      opts.log.warn({ exportId: job.data.exportId, attempt: job.attemptsMade, final, err: err.message }, 'call export failed');
      if (!final) return;
      opts.db
        .query("UPDATE call_exports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1", [job.data.exportId, err.message.slice(0, 1000)])
        .catch((e: unknown) => opts.log.error({ err: e, exportId: job.data.exportId }, 'could not mark the export failed'));
    });
  }

  async start(): Promise<void> {
    this.#jobs.run();
    const { rows } = await this.opts.db.query<{ id: string }>("SELECT id FROM call_exports WHERE status IN ('queued', 'running') ORDER BY created_at");
    for (const r of rows) await this.#enqueue(r.id);
  }

  close(): Promise<void> {
    return this.#jobs.close();
  }

  /** Records the request and queues the job; resolves with the export id once it is queued. */
  async request(filter: ExportFilter, by: Principal): Promise<{ id: string; status: ExportStatus }> {
    const onlyAgent = can(by, 'calls.view_all') ? null : by.userId;
    const { rows } = await this.opts.db.query<{ id: string }>('INSERT INTO call_exports (requested_by, filter, only_agent) VALUES ($1, $2, $3) RETURNING id', [by.userId, JSON.stringify(filter), onlyAgent]);
    const id = rows[0]!.id;
    await this.#enqueue(id);
    return { id, status: 'queued' };
  }

  async info(id: string, p: Principal): Promise<ExportInfo> {
    const { rows } = await this.opts.db.query<ExportInfo & { requestedBy: string | null; filePath: string | null }>(
      `SELECT id, status, progress, row_count AS "rowCount", error, created_at AS "createdAt", finished_at AS "finishedAt", filter,
              requested_by AS "requestedBy", file_path AS "filePath"
         FROM call_exports WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new NotFoundError('Export');
    if (row.requestedBy !== p.userId && !can(p, 'calls.view_all')) throw new ForbiddenError('Not your export');
    const { requestedBy: _r, filePath: _f, ...info } = row;
    return info;
  }

  /** The finished file, for the requester or calls.view_all. */
  async file(id: string, p: Principal): Promise<{ path: string; name: string }> {
    const info = await this.info(id, p);
    if (info.status !== 'done') throw new InvalidStateError(`The export is ${info.status}, not done`);
    const { rows } = await this.opts.db.query<{ file_path: string | null }>('SELECT file_path FROM call_exports WHERE id = $1', [id]);
    const file = rows[0]?.file_path;
    if (!file || !fs.existsSync(file)) throw new NotFoundError('Export file');
    return { path: file, name: `calls-${info.createdAt.toISOString().slice(0, 10)}-${id.slice(0, 8)}.xlsx` };
  }

  async #enqueue(id: string): Promise<void> {
    await this.#jobs.queue.add('export', { exportId: id }, { jobId: id, attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 5000 });
  }

  async #process(job: Job<ExportJob>): Promise<void> {
    const id = job.data.exportId;
    const db = this.opts.db;
    const { rows } = await db.query<{ filter: ExportFilter; only_agent: string | null; status: ExportStatus }>("UPDATE call_exports SET status = 'running', progress = 0, error = NULL WHERE id = $1 AND status IN ('queued', 'running') RETURNING filter, only_agent, status", [id]);
    const ex = rows[0];
    if (!ex) return; // already finished (a duplicate delivery)
    const { where, params } = searchWhere(ex.filter, ex.only_agent ?? undefined);
    const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM calls c ${where}`, params)).rows[0]?.n ?? 0;
    fs.mkdirSync(this.opts.dir, { recursive: true });
    const file = path.join(this.opts.dir, `${id}.xlsx`);
    const tmp = `${file}.part`;
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: tmp, useStyles: true, useSharedStrings: false });
    const ws = wb.addWorksheet('Calls');
    ws.columns = SHEET;
    let written = 0;
    let after: { cursor: string; id: string } | undefined;
    let lastProgress = -1;
    try {
      for (;;) {
        const keyset = after ? `${where ? `${where} AND` : 'WHERE'} (c.started_at, c.id) < ($${params.length + 1}::timestamptz, $${params.length + 2}::uuid)` : where;
        // The cursor is the timestamp as text: a JS Date would drop the microseconds.
        const page = await db.query<Record<string, unknown> & { cursor: string; id: string }>(
          `SELECT ${CALL_COLUMNS}, c.started_at::text AS cursor FROM ${CALL_FROM} ${keyset} ORDER BY c.started_at DESC, c.id DESC LIMIT ${PAGE}`,
          after ? [...params, after.cursor, after.id] : params,
        );
        for (const r of page.rows) ws.addRow(sheetRow(r)).commit();
        written += page.rows.length;
        const last = page.rows.at(-1);
        // The file is only complete at commit: stay below 100 until then.
        const progress = total === 0 ? 99 : Math.min(99, Math.floor((written / total) * 100));
        if (progress !== lastProgress) {
          lastProgress = progress;
          await db.query('UPDATE call_exports SET progress = $2 WHERE id = $1', [id, progress]);
          await job.updateProgress(progress);
        }
        if (!last || page.rows.length < PAGE) break;
        after = { cursor: last.cursor, id: last.id };
      }
      ws.commit();
      await wb.commit();
      fs.renameSync(tmp, file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    await db.query("UPDATE call_exports SET status = 'done', progress = 100, row_count = $2, file_path = $3, finished_at = now() WHERE id = $1", [id, written, file]);
    await job.updateProgress(100);
    this.opts.log.info({ exportId: id, rows: written }, 'call export done');
  }
}
