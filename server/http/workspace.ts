/**
 * Serves the agent workspace (web-agent/, built by Vite into WEB_AGENT_DIR) at `/`:
 * hashed assets cached for a year, index.html never cached (a deploy is picked up on
 * the next load), and index.html for every other GET that wants HTML (client routes
 * such as /calls). /api stays JSON: its 404 handler runs before this.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

export interface WorkspaceOptions {
  /** The vite build output (index.html, assets/). */
  dir: string;
  /** Where the browser softphone registers (SIP_WSS_URL): the page's CSP must let it connect. */
  sipWssUrl: string;
}

/**
 * The workspace's own CSP, stricter than the default where it can be: scripts only from
 * our origin (no inline, no eval), connections to our origin (HTTP and the realtime
 * WebSocket: CSP3 'self' covers ws/wss of the same host) and to the softphone's WSS
 * server, media from blob: (recordings and the softphone's remote stream).
 */
export function workspaceCsp(sipWssUrl: string): string {
  const sip = new URL(sipWssUrl).origin.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    `connect-src 'self' ${sip}`,
  ].join('; ');
}

export function serveWorkspace(o: WorkspaceOptions): Router {
  const router = express.Router();
  const csp = workspaceCsp(o.sipWssUrl);
  const index = path.join(o.dir, 'index.html');
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    next();
  });
  // Vite names every asset by its content hash: safe to cache forever.
  router.use('/assets', express.static(path.join(o.dir, 'assets'), { immutable: true, maxAge: '365d', index: false }));
  // A missing asset is a stale page asking for an old build's file: a plain 404, never index.html.
  router.use('/assets', (_req, res) => void res.status(404).type('text').send('Not found'));
  router.use(express.static(o.dir, { index: false, maxAge: 0 }));
  router.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    if (!fs.existsSync(index)) {
      // A server started without the bundle (e.g. `tsx server/main.ts` directly) says how to get it.
      res.status(503).type('html').send('<!doctype html><title>Hotline</title><p>The agent workspace is not built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it).</p>');
      return;
    }
    res.sendFile(index);
  });
  return router;
}
