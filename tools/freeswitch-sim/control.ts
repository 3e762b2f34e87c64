import http from 'node:http';
import type { EndpointBehaviour } from './core/endpoints';
import type { Simulator } from './sim';

/**
 * The people-facing controls of the standalone simulator: one command interpreter
 * shared by the stdin REPL and a small HTTP JSON API.
 */
export interface ChannelInfo {
  uuid: string;
  name: string;
  direction: string;
  state: string;
  callState: string;
  from: string;
  to: string;
  answered: boolean;
  application: string | undefined;
}

export function listChannels(sim: Simulator): ChannelInfo[] {
  return [...sim.engine.sessions.values()]
    .filter((s) => s.up)
    .map((s) => ({
      uuid: s.uuid,
      name: s.channel.name,
      direction: s.channel.direction,
      state: s.channel.state,
      callState: s.channel.callState,
      from: s.channel.profile.callerIdNumber,
      to: s.channel.profile.destinationNumber,
      answered: s.channel.answered,
      application: s.currentApp,
    }));
}

export function parseBehaviour(mode: string | undefined, arg?: string): EndpointBehaviour {
  switch (mode ?? 'answer') {
    case 'reject':
      return { mode: 'reject', cause: arg || 'CALL_REJECTED' };
    case 'busy':
      return { mode: 'busy' };
    case 'no_answer':
      return { mode: 'no_answer' };
    case 'answer':
      return { mode: 'answer', afterMs: arg ? Number(arg) : 1000 };
    default:
      throw new Error(`unknown behaviour ${mode ?? ''} (answer|reject|busy|no_answer)`);
  }
}

export const HELP = `commands:
  call FROM TO [NAME]          place an inbound call to a service number
  dtmf UUID DIGITS             press keys on a call (e.g. dtmf <uuid> 123#)
  hangup UUID [CAUSE]          the caller (or agent phone) hangs up
  register NAME [answer [MS]|reject [CAUSE]|busy|no_answer]
  unregister NAME
  list                         live channels
  endpoints                    registered endpoints
  stall on|off                 stop/resume replying to ESL commands
  help | quit`;

/** Runs one REPL line; returns the text to print. */
export async function runCommand(sim: Simulator, line: string): Promise<string> {
  const [cmd, ...args] = line.trim().split(/\s+/);
  switch (cmd) {
    case undefined:
    case '':
      return '';
    case 'call': {
      if (!args[0] || !args[1]) return 'usage: call FROM TO [NAME]';
      const c = await sim.placeCall({ from: args[0], to: args[1], callerName: args.slice(2).join(' ') || undefined });
      return `call ${c.uuid} ${args[0]} -> ${args[1]}`;
    }
    case 'dtmf': {
      const c = args[0] ? sim.call(args[0]) : undefined;
      if (!c || !args[1]) return 'usage: dtmf UUID DIGITS (unknown uuid?)';
      await c.pressDtmf(args[1]);
      return `sent ${args[1]}`;
    }
    case 'hangup': {
      const c = args[0] ? sim.call(args[0]) : undefined;
      if (!c) return 'usage: hangup UUID [CAUSE] (unknown uuid?)';
      await c.hangup(args[1]);
      return 'hung up';
    }
    case 'register':
      if (!args[0]) return 'usage: register NAME [behaviour]';
      sim.registerEndpoint(args[0], parseBehaviour(args[1], args[2]));
      return `registered ${args[0]} (${args[1] ?? 'answer'})`;
    case 'unregister':
      if (!args[0]) return 'usage: unregister NAME';
      sim.unregisterEndpoint(args[0]);
      return `unregistered ${args[0]}`;
    case 'list': {
      const list = listChannels(sim);
      return list.length ? list.map((c) => `${c.uuid}  ${c.direction.padEnd(8)} ${c.state.padEnd(17)} ${c.callState.padEnd(7)} ${c.from} -> ${c.to}  ${c.application ?? ''}`).join('\n') : '(no channels)';
    }
    case 'endpoints':
      return sim.engine.endpoints.list().map((e) => `${e.name}  ${e.registered ? 'registered' : 'unregistered'}  ${JSON.stringify(e.behaviour)}`).join('\n') || '(none)';
    case 'stall':
      sim.stall(args[0] === 'on');
      return `stall ${args[0] === 'on' ? 'on' : 'off'}`;
    case 'help':
      return HELP;
    default:
      return `unknown command ${cmd}; try help`;
  }
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c: Buffer) => {
      data += c.toString('utf8');
      if (data.length > 1e6) req.destroy();
    });
    req.on('end', () => {
      try {
        resolve(data ? (JSON.parse(data) as Record<string, unknown>) : {});
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    req.on('error', reject);
  });
}

/**
 * HTTP JSON control API:
 *   GET    /channels
 *   POST   /calls                {from, to, callerName?}   -> {uuid}
 *   POST   /calls/:uuid/dtmf     {digits, gapMs?}
 *   POST   /calls/:uuid/hangup   {cause?}
 *   GET    /endpoints
 *   PUT    /endpoints/:name      {mode, afterMs?, cause?}  (register)
 *   DELETE /endpoints/:name                                (unregister)
 *   POST   /stall                {on}
 */
export function controlServer(sim: Simulator): http.Server {
  return http.createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const handle = async (): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean);
      const body = req.method === 'GET' || req.method === 'DELETE' ? {} : await readJson(req);
      if (req.method === 'GET' && url.pathname === '/channels') return send(200, listChannels(sim));
      if (req.method === 'POST' && url.pathname === '/calls') {
        if (typeof body.from !== 'string' || typeof body.to !== 'string') return send(400, { error: 'from and to are required' });
        const c = await sim.placeCall({ from: body.from, to: body.to, callerName: typeof body.callerName === 'string' ? body.callerName : undefined });
        return send(201, { uuid: c.uuid });
      }
      if (parts[0] === 'calls' && parts[1] && req.method === 'POST') {
        const c = sim.call(parts[1]);
        if (!c) return send(404, { error: 'no such call' });
        if (parts[2] === 'dtmf' && typeof body.digits === 'string') {
          await c.pressDtmf(body.digits, typeof body.gapMs === 'number' ? body.gapMs : undefined);
          return send(200, { ok: true });
        }
        if (parts[2] === 'hangup') {
          await c.hangup(typeof body.cause === 'string' ? body.cause : undefined);
          return send(200, { ok: true });
        }
      }
      if (req.method === 'GET' && url.pathname === '/endpoints') return send(200, sim.engine.endpoints.list());
      if (parts[0] === 'endpoints' && parts[1]) {
        if (req.method === 'PUT') {
          const arg = typeof body.afterMs === 'number' ? String(body.afterMs) : typeof body.cause === 'string' ? body.cause : undefined;
          sim.registerEndpoint(parts[1], parseBehaviour(typeof body.mode === 'string' ? body.mode : undefined, arg));
          return send(200, { ok: true });
        }
        if (req.method === 'DELETE') {
          sim.unregisterEndpoint(parts[1]);
          return send(200, { ok: true });
        }
      }
      if (req.method === 'POST' && url.pathname === '/stall') {
        sim.stall(body.on === true);
        return send(200, { ok: true });
      }
      send(404, { error: 'not found' });
    };
    handle().catch((err: unknown) => send(400, { error: err instanceof Error ? err.message : String(err) }));
  });
}
