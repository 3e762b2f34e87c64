import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded default: PGlite (Postgres compiled to WASM) with its data under
 * DATA_DIR, served over the Postgres wire protocol on a loopback port so the
 * rest of Hotline reaches it through the same `pg` code path as a real server.
 * PGlite serves one connection at a time: the pool using it must have max 1.
 * The socket server still admits a second connection, so that when the pool replaces a
 * dropped client the new one is not refused while the old socket is still closing.
 */
export interface EmbeddedPostgres {
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = path.join(dataDir, 'pglite');
  fs.mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  let closed = false;
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
    },
  };
}
