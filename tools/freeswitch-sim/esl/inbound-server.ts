import net from 'node:net';
import { EslConnection, type ConnectionContext } from './connection';

/** mod_event_socket's listener: accepts inbound ESL clients on host:port. */
export class InboundServer {
  private readonly server: net.Server;
  private readonly connections = new Set<EslConnection>();

  constructor(private readonly ctx: ConnectionContext) {
    this.server = net.createServer((socket) => {
      const conn = new EslConnection(socket, ctx);
      this.connections.add(conn);
      socket.on('close', () => this.connections.delete(conn));
    });
    this.server.on('error', (err) => ctx.log.error({ err }, 'inbound ESL server error'));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
