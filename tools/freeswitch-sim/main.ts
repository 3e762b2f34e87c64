/**
 * `npm run freeswitch-sim`: the FreeSWITCH simulator as a standalone process, for
 * running Hotline without FreeSWITCH. Inbound ESL on 127.0.0.1:$SIM_ESL_PORT (8021),
 * an HTTP control API on 127.0.0.1:$SIM_CONTROL_PORT (8022), and a REPL on stdin.
 */
import readline from 'node:readline';
import { createLogger } from '../../server/logging/logger';
import { controlServer, HELP, runCommand } from './control';
import { Simulator } from './sim';
import type { SipSimOptions } from './sip';

/**
 * The softphone listener: users from SIM_SIP_USERS (`name:password,...`, domain SIP_DOMAIN) or
 * Hotline's directory at SIM_SIP_DIRECTORY_URL (basic auth XML_CURL_USER / XML_CURL_PASSWORD).
 */
function sipFromEnv(): SipSimOptions | undefined {
  const env = process.env;
  if (env.SIM_SIP_PORT === 'off') return undefined;
  const port = Number(env.SIM_SIP_PORT ?? 5066);
  const domain = env.SIP_DOMAIN ?? 'hotline.local';
  const passwords = Object.fromEntries((env.SIM_SIP_USERS ?? '').split(',').filter((u) => u.includes(':')).map((u) => [u.slice(0, u.indexOf(':')).trim(), u.slice(u.indexOf(':') + 1)]));
  const xmlCurl = env.SIM_SIP_DIRECTORY_URL && env.XML_CURL_PASSWORD ? { url: env.SIM_SIP_DIRECTORY_URL, user: env.XML_CURL_USER ?? 'freeswitch', password: env.XML_CURL_PASSWORD } : undefined;
  return { port, xmlCurl, users: { domain, passwords }, audioFile: env.SIM_SIP_AUDIO };
}

async function main(): Promise<void> {
  const eslPort = Number(process.env.SIM_ESL_PORT ?? 8021);
  const controlPort = Number(process.env.SIM_CONTROL_PORT ?? 8022);
  const globals: Record<string, string> = {};
  if (process.env.SIM_HOTLINE_SOCKET) globals.hotline_socket = process.env.SIM_HOTLINE_SOCKET;
  const sim = new Simulator({
    eslPort,
    password: process.env.SIM_ESL_PASSWORD ?? 'ClueCon',
    speed: Number(process.env.SIM_SPEED ?? 1),
    globals,
    dialplanDir: process.env.SIM_DIALPLAN_DIR,
    soundsDir: process.env.SIM_SOUNDS_DIR,
    recordingsDir: process.env.SIM_RECORDINGS_DIR,
    logger: createLogger({ name: 'freeswitch-sim', level: process.env.LOG_LEVEL ?? 'warn' }),
    sip: sipFromEnv(),
  });
  await sim.start();
  const http = controlServer(sim);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(controlPort, '127.0.0.1', () => resolve());
  });

  const bar = '#'.repeat(72);
  process.stdout.write(
    `\n${bar}\n#  FreeSWITCH SIMULATOR — simulated telephony, no audio\n` +
      `#  inbound ESL   127.0.0.1:${sim.eslPort} (password from SIM_ESL_PASSWORD, default ClueCon)\n` +
      `#  control API   http://127.0.0.1:${controlPort}  (GET /channels, POST /calls, ...)\n` +
      (sim.sipPort ? `#  softphones     ws://127.0.0.1:${sim.sipPort}  (SIP over WebSocket, subprotocol sip)\n` : '') +
      `#  service numbers go to socket ${sim.engine.globals.get('hotline_socket') ?? '?'} (dialplan/)\n` +
      `#  this is NOT a real FreeSWITCH: SIP only for WebSocket softphones, recordings are synthetic tones\n${bar}\n\n${HELP}\n\n`,
  );

  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: 'sim> ' });
  const shutdown = async (): Promise<void> => {
    rl.close();
    http.close();
    await sim.stop();
    process.exit(0);
  };
  rl.on('line', (line) => {
    if (line.trim() === 'quit' || line.trim() === 'exit') {
      void shutdown();
      return;
    }
    runCommand(sim, line)
      .then((out) => {
        if (out) process.stdout.write(`${out}\n`);
      })
      .catch((err: unknown) => process.stdout.write(`error: ${err instanceof Error ? err.message : String(err)}\n`))
      .finally(() => rl.prompt());
  });
  rl.on('close', () => undefined);
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  rl.prompt();
}

main().catch((err: unknown) => {
  process.stderr.write(`freeswitch-sim failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
