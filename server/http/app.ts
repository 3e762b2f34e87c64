import cookieParser from 'cookie-parser';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { AuthService } from '../auth/auth-service';
import type { Logger } from '../logging/logger';
import { NotFoundError } from '../platform/errors';
import { guardQuery } from './body';
import { errorHandler } from './errors';
import { mountRoutes } from './mount';
import { openApiDocument } from './openapi';
import { route, type Route } from './route';
import { serveWorkspace, type WorkspaceOptions } from './workspace';

export interface HttpAppDeps {
  auth: AuthService;
  log: Logger;
  routes: Route[];
  version: string;
  /** Paths callable from any web origin, without credentials (see HotlineModule.crossOriginPaths). */
  crossOriginPaths?: string[];
  /** Number of reverse proxies in front of Hotline, so req.ip is the client's address. */
  trustProxy?: number;
  /** Origins of Hotline's own pages (PUBLIC_ORIGINS): cookie-authenticated changes from anywhere else are refused. */
  publicOrigins: () => readonly string[];
  /** The agent workspace (web-agent/ built) served at `/`; omitted: none. */
  workspace?: WorkspaceOptions;
}

export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(securityHeaders());
  if (deps.crossOriginPaths?.length) {
    // No credentials: a page on another site can never ride a staff member's or visitor's cookie.
    app.use(deps.crossOriginPaths, cors({ origin: '*', credentials: false, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'x-visitor-token'], maxAge: 600 }));
    // The widget shows conversation images with <img> on the customer's page (no-cors).
    app.use(deps.crossOriginPaths, (_req, res, next) => {
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      next();
    });
  }
  // Bodies are parsed per route (see mountRoutes and body.ts): JSON unless a route declares otherwise.
  app.use(guardQuery);
  app.use(cookieParser());

  const openapi = route({ method: 'get', path: '/api/openapi.json', tag: 'system', summary: 'This API description', access: 'public', handler: () => Promise.resolve(doc) });
  const routes = [...deps.routes, openapi];
  const doc = openApiDocument(routes, { title: 'Hotline API', version: deps.version });

  app.use(mountRoutes(routes, deps));
  app.use('/api', (req) => {
    throw new NotFoundError(`Route ${req.method} ${req.originalUrl}`);
  });
  if (deps.workspace) app.use(serveWorkspace(deps.workspace));
  app.use(errorHandler(deps.log));
  return app;
}

/**
 * helmet: nosniff on every response (JSON included), and a strict CSP with
 * frame-ancestors 'self' for staff pages, so no other site can frame the workspace
 * (clickjacking). Routes serving to other sites loosen what they must (/chat/page,
 * widget.js).
 */
function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
      },
    },
    frameguard: { action: 'sameorigin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    // HSTS belongs to the TLS-terminating proxy, which knows whether HTTPS is really in front.
    strictTransportSecurity: false,
  });
}
