/**
 * Builds the agent workspace (web-agent/, Vite) into web-agent/dist when its sources
 * changed since the last build: `npm start` runs it first (a fresh clone serves a built
 * workspace), `npm run build` with --force, the browser tests through ensureWorkspaceBuilt().
 * The stamp is a hash of everything the bundle is made from, so a branch switch or a
 * pull rebuilds and an unchanged tree costs one hash (~10 ms).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const WEB = path.join(ROOT, 'web-agent');
const DIST = path.join(WEB, 'dist');
const STAMP = path.join(DIST, '.source-hash');
const INPUTS = ['scripts/build-web.ts', 'web-agent/src', 'web-agent/index.html', 'web-agent/vite.config.mjs', 'server/realtime/contract.ts', 'package-lock.json'];

function files(p: string): string[] {
  const abs = path.join(ROOT, p);
  if (!fs.existsSync(abs)) return [];
  if (!fs.statSync(abs).isDirectory()) return [p];
  return fs.readdirSync(abs).sort().flatMap((f) => files(path.join(p, f)));
}

export function sourceHash(): string {
  const h = crypto.createHash('sha256');
  for (const f of INPUTS.flatMap(files)) h.update(f).update('\0').update(fs.readFileSync(path.join(ROOT, f))).update('\0');
  return h.digest('hex');
}

/** Builds when stale (or forced); returns whether it built. Throws when vite fails. */
export function ensureWorkspaceBuilt(opts: { force?: boolean } = {}): boolean {
  const hash = sourceHash();
  const fresh = fs.existsSync(path.join(DIST, 'index.html')) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === hash;
  if (fresh && !opts.force) return false;
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', path.join(WEB, 'vite.config.mjs'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    // jest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status ?? r.signal})`);
  fs.writeFileSync(STAMP, hash);
  return true;
}

if (require.main === module) {
  const force = process.argv.includes('--force');
  const built = ensureWorkspaceBuilt({ force });
  console.log(built ? 'web-agent: built web-agent/dist' : 'web-agent: web-agent/dist is up to date');
}
