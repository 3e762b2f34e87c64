import net from 'node:net';
import type { Engine } from '../core/engine';
import type { AppImpl } from '../core/session';
import { EslConnection, type ConnectionContext } from '../esl/connection';
import { park } from './basic';

/** How long mod_event_socket waits for the first command (`connect`) on an outbound socket. */
const FIRST_COMMAND_TIMEOUT_MS = 25_000;

/**
 * socket <host:port> [async] [full] (mod_event_socket socket_function):
 *  - connection refused / unreachable: "Socket Error!", the app returns at once and the
 *    dialplan continues (with nothing left, the call is hung up NORMAL_CLEARING);
 *  - connected but the server never sends `connect`: after 25 s (simulated) the socket
 *    is closed with a disconnect notice, and the channel stays in the app, unanswered,
 *    until the caller gives up (socket_function spins until the channel is gone);
 *  - connected: the channel parks and runs the server's `sendmsg` commands; if the server
 *    drops the socket, the park ends and the dialplan continues.
 */
export function socketApps(engine: Engine, ctx: () => ConnectionContext): Record<string, AppImpl> {
  return {
    socket: async (s, arg, signal) => {
      const parts = arg.trim().split(/\s+/);
      const hostPort = parts[0] ?? '';
      const idx = hostPort.lastIndexOf(':');
      const host = idx > 0 ? hostPort.slice(0, idx) : hostPort;
      const port = idx > 0 ? parseInt(hostPort.slice(idx + 1), 10) : 8084;
      const flags = parts.slice(1).map((p) => p.toLowerCase());
      if (!host) return;
      s.channel.setVar('socket_host', host);
      const sock = await new Promise<net.Socket | undefined>((resolve) => {
        const c = net.connect({ host, port });
        const onAbort = (): void => {
          c.destroy();
          resolve(undefined);
        };
        c.once('connect', () => {
          signal.removeEventListener('abort', onAbort);
          c.removeAllListeners('error');
          resolve(c);
        });
        c.once('error', (err) => {
          signal.removeEventListener('abort', onAbort);
          engine.log.warn({ uuid: s.uuid, err: err.message, host, port }, 'socket: Socket Error!');
          c.destroy();
          resolve(undefined);
        });
        signal.addEventListener('abort', onAbort, { once: true });
      });
      if (!sock || signal.aborted) return;
      let connected!: () => void;
      const connectedP = new Promise<void>((r) => (connected = r));
      const conn = new EslConnection(sock, ctx(), {
        session: s,
        async: flags.includes('async'),
        full: flags.includes('full'),
        onConnected: () => connected(),
      });
      const gone = new AbortController();
      sock.once('close', () => gone.abort());
      const timer = engine.clock.after(FIRST_COMMAND_TIMEOUT_MS, () => {
        engine.log.warn({ uuid: s.uuid }, 'socket: no connect from the server, closing');
        conn.close();
      });
      const waitAbort = (sig: AbortSignal): Promise<void> => new Promise((r) => (sig.aborted ? r() : sig.addEventListener('abort', () => r(), { once: true })));
      let didConnect = false;
      await Promise.race([connectedP.then(() => (didConnect = true)), waitAbort(signal)]);
      engine.clock.cancel(timer);
      if (!didConnect) {
        // never connected: FreeSWITCH keeps the channel here until it hangs up
        await waitAbort(signal);
        conn.destroy();
        return;
      }
      const parkSignal = AbortSignal.any([signal, gone.signal]);
      await park(s, parkSignal);
    },
  };
}
