/** The lookup node with the real HTTP client against a local server: fast, slow, failing, down. */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FetchHttpClient } from '../../server/ivr/adapters/http-client';
import { runFlow, singleNodeFlow } from '../../server/ivr/engine/testing/harness';

let server: http.Server;
let base: string;
const sockets = new Set<Socket>();
const seen: { method: string; url: string; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/customer') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ customer: { vip: true, level: 3, name: 'Ada', orders: [{ id: 'A1' }] } }));
      } else if (url.pathname === '/slow') {
        // Never answers: only the node's timeout ends the request.
      } else if (url.pathname === '/fail') {
        res.statusCode = 503;
        res.end('{"error":"down"}');
      } else if (url.pathname === '/html') {
        res.end('<html>oops</html>');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const lookup = (url: string, extra: Record<string, unknown> = {}) =>
  runFlow(singleNodeFlow('lookup', { url, timeoutMs: 300, assign: { 'customer.vip': 'customer.vip', 'customer.level': 'customer.level', first_order: 'customer.orders.0.id' }, ...extra }, ['next', 'failure']), [], ({ ports }) => {
    ports.http = new FetchHttpClient() as typeof ports.http;
  });

describe('lookup over real HTTP', () => {
  it('GET: result fields become variables', async () => {
    const h = await lookup(`${base}/customer?phone=\${caller_number}`);
    expect(h.exitsOf('n')).toEqual(['next']);
    expect(h.result.variables).toMatchObject({ 'customer.vip': 'true', 'customer.level': '3', first_order: 'A1' });
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/customer?phone=13800000001' });
  });

  it('POST sends the JSON body', async () => {
    const h = await lookup(`${base}/customer`, { method: 'POST', body: { phone: '${caller_number}', called: '${destination_number}' } });
    expect(h.exitsOf('n')).toEqual(['next']);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ phone: '13800000001', called: '4001' });
  });

  it('a slow service is cut off by the timeout: failure exit, the call goes on', async () => {
    const h = await lookup(`${base}/slow`);
    expect(h.exitsOf('n')).toEqual(['failure']);
    expect(h.inputsOf('n')[0]).toMatchObject({ error: expect.stringMatching(/TimeoutError|AbortError/) });
    expect(h.result.end).toBe('completed');
  });

  it('a failing service (HTTP 503), a non-JSON answer and a closed port take the failure exit', async () => {
    expect((await lookup(`${base}/fail`)).exitsOf('n')).toEqual(['failure']);
    expect((await lookup(`${base}/html`)).exitsOf('n')).toEqual(['failure']);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect((await lookup(`http://127.0.0.1:${port}/x`)).exitsOf('n')).toEqual(['failure']);
  });
});
