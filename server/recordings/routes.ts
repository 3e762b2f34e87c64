import type { Response } from 'express';
import { z } from 'zod';
import { can, type Principal } from '../auth/principal';
import type { Db } from '../db/pool';
import { idParams, route, type Route } from '../http/route';
import { ForbiddenError, InvalidStateError } from '../platform/errors';
import { getRecording, listPlays, listRecordings, logPlay, type Recording } from './store';

/** QA and admins hear every recording; an agent hears the calls they took part in. */
function assertMayListen(p: Principal, rec: Pick<Recording, 'agentIds'>): void {
  if (can(p, 'recordings.listen_all') || rec.agentIds.includes(p.userId)) return;
  throw new ForbiddenError('You may only listen to recordings of your own calls');
}

/** A play is logged once per listen: the first request, not every range request of seeking. */
function startsPlayback(range: string | undefined): boolean {
  return !range || /^bytes=0-/.test(range.trim());
}

/**
 * The callback of res.sendFile: an unsatisfiable Range (past the end, or start > end) comes
 * back from `send` as an error with status 416 and the Content-Range to send; answer it as
 * such (RFC 9110 §15.5.17) instead of letting it become a 500.
 */
function sentOrRangeRefused(res: Response, resolve: () => void, reject: (err: unknown) => void) {
  return (err?: Error & { status?: number; headers?: Record<string, string> }) => {
    if (!err) return resolve();
    if (res.headersSent) return resolve();
    if (err.status !== 416) return reject(err);
    res.status(416);
    for (const [k, v] of Object.entries(err.headers ?? {})) if (/^content-range$/i.test(k)) res.setHeader('Content-Range', v);
    res.end();
    resolve();
  };
}

const listQuery = z.object({ callId: z.string().max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) });

export function recordingRoutes({ db }: { db: Db }): Route[] {
  const strip = ({ ...r }: Recording & { rawPath?: string; filePath?: string | null }): Recording => {
    delete r.rawPath;
    delete r.filePath;
    return r;
  };
  return [
    route({
      method: 'get',
      path: '/api/recordings',
      tag: 'recordings',
      summary: 'Recordings (all for QA and admins, one\'s own calls for agents)',
      access: 'authenticated',
      query: listQuery,
      handler: ({ query, principal }) => listRecordings(db, { ...query, agentId: can(principal!, 'recordings.listen_all') ? undefined : principal!.userId }),
    }),
    route({
      method: 'get',
      path: '/api/recordings/:id',
      tag: 'recordings',
      summary: 'A recording: status, duration, channels and waveform peaks',
      access: 'authenticated',
      params: idParams,
      handler: async ({ params, principal }) => {
        const rec = await getRecording(db, params.id);
        assertMayListen(principal!, rec);
        return strip(rec);
      },
    }),
    route({
      method: 'get',
      path: '/api/recordings/:id/audio',
      tag: 'recordings',
      summary: 'Stream the recording (MP3; byte ranges supported); every play is logged',
      access: 'authenticated',
      params: idParams,
      handler: async ({ params, principal, req, res }) => {
        const rec = await getRecording(db, params.id);
        assertMayListen(principal!, rec);
        if (rec.status !== 'ready' || !rec.filePath) throw new InvalidStateError(`The recording is ${rec.status}, not ready to play`);
        if (startsPlayback(req.headers.range)) await logPlay(db, rec.id, principal!, req.ip);
        await new Promise<void>((resolve, reject) => {
          res.sendFile(rec.filePath!, { acceptRanges: true, cacheControl: false, headers: { 'Content-Type': rec.mimeType ?? 'audio/mpeg', 'Cache-Control': 'private, no-store' } }, sentOrRangeRefused(res, resolve, reject));
        });
      },
    }),
    route({
      method: 'get',
      path: '/api/recordings/:id/plays',
      tag: 'recordings',
      summary: 'Who played this recording, and when',
      access: { permission: 'recordings.listen_all' },
      params: idParams,
      handler: ({ params }) => listPlays(db, params.id),
    }),
  ];
}
