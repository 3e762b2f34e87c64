import { startEmbeddedPostgres } from '../../server/db/embedded';

/** Child process of startEmbeddedPostgresProcess: serves PGlite under argv[2], prints its URL, stops on SIGTERM. */
void (async () => {
  const pg = await startEmbeddedPostgres(process.argv[2]!);
  process.stdout.write(`EMBEDDED_PG_URL=${pg.url}\n`);
  process.once('SIGTERM', () => void pg.close().then(() => process.exit(0)));
})();
