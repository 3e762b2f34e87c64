import { ConfigError, loadConfig } from './config/config';
import { createLogger } from './logging/logger';
import { startHotline } from './hotline';

/** Entry point: config, then the whole server; SIGTERM/SIGINT shut it down gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ level: config.logLevel });
  // One stray rejection on one call must not take every other call down with the process;
  // it is a bug to fix (logged as such), not a reason to drop a contact center.
  process.on('unhandledRejection', (err: unknown) => log.error({ err }, 'BUG: unhandled promise rejection (the process carries on)'));
  const hotline = await startHotline(config, log);
  process.stdout.write(`\nHotline is running at ${hotline.url}  (API description: ${hotline.url}/api/openapi.json)\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    hotline
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`Hotline failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
