import type { Logger } from 'pino';
import type { Engine } from '../core/engine';
import { staticDirectory, xmlCurlDirectory, type Directory } from './directory';
import { SipServer } from './server';

export { SipServer } from './server';
export { staticDirectory, xmlCurlDirectory, type Directory } from './directory';

/**
 * The softphone peer: SIP over WebSocket like the internal profile's ws-binding. Off
 * unless `sip` is given to the simulator. Credentials come from a directory: Hotline's
 * (`xmlCurl`, what mod_xml_curl would ask) or a fixed user list (`users`).
 */
export interface SipSimOptions {
  /** WS port (FreeSWITCH: 5066); 0 = ephemeral. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** mod_xml_curl's gateway-url and credentials: the Hotline directory endpoint. */
  xmlCurl?: { url: string | (() => string); user: string; password: string };
  /** Or a fixed directory: domain and user → password. */
  users?: { domain: string; passwords: Record<string, string> };
  /** A custom directory (wins over the two above). */
  directory?: Directory;
  /** A 16-bit PCM WAV the browser hears instead of a tone. */
  audioFile?: string;
  /** Seconds a registration outlives its expires before sofia::expire (FreeSWITCH: 60). */
  expireMarginSec?: number;
}

export function createSipServer(engine: Engine, opts: SipSimOptions, log: Logger): SipServer {
  const directory: Directory =
    opts.directory ??
    (opts.xmlCurl ? xmlCurlDirectory(opts.xmlCurl) : opts.users ? staticDirectory(opts.users.domain, opts.users.passwords) : { lookup: () => Promise.resolve(undefined) });
  return new SipServer(engine, {
    host: opts.host,
    port: opts.port,
    directory,
    audioFile: opts.audioFile,
    expireMarginSec: opts.expireMarginSec,
    log: log.child({ module: 'freeswitch-sim-sip' }),
  });
}
