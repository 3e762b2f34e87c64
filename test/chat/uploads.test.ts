/** Issue 13 items 6 and 7 for chat files: streamed to disk, 413 over the image (5 MB) or file (10 MB) limit, 400 for a truncated body. */
import fs from 'node:fs';
import path from 'node:path';
import { createChatWorld, ok, type ChatWorld } from './support';

let w: ChatWorld;
let conversationId: string;
let token: string;
beforeAll(async () => {
  w = await createChatWorld();
  const a = await w.agent('Uploader');
  const v = await w.visitor();
  token = v.token;
  const conv = await ok(v.socket, 'start');
  await a.events.wait('conversation.assigned', (c) => c.id === conv.id);
  conversationId = conv.id;
});
afterAll(async () => {
  await w.cleanup();
});

async function send(data: Buffer, filename: string, type: string): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.set('file', new Blob([data], { type }), filename);
  const res = await fetch(`${w.url}/api/chat/conversations/${conversationId}/files`, { method: 'POST', headers: { 'x-visitor-token': token }, body: form });
  return { status: res.status, body: await res.json() };
}

const png = (size: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(size - 8)]);
const stored = () => {
  const dir = path.join(w.world.config.mediaDir, 'chat', conversationId);
  return fs.existsSync(dir) ? fs.readdirSync(dir).length : 0;
};

describe('chat uploads', () => {
  it('a small image and a small file are stored', async () => {
    expect((await send(png(1000), 'a.png', 'image/png')).status).toBe(201);
    expect((await send(Buffer.from('%PDF-1.4 hello'), 'a.pdf', 'application/pdf')).status).toBe(201);
    expect(stored()).toBe(2);
  });

  it('a file over 10 MB is 413 naming the field, and nothing is stored', async () => {
    const r = await send(Buffer.concat([Buffer.from('%PDF-1.4'), Buffer.alloc(11 * 1024 * 1024)]), 'big.pdf', 'application/pdf');
    expect(r.status).toBe(413);
    expect(r.body.error.fields[0].path).toBe('file');
    // Far over the limit (the old in-memory limit was 100 MB): refused the same way.
    expect((await send(Buffer.alloc(40 * 1024 * 1024), 'huge.pdf', 'application/pdf')).status).toBe(413);
    expect(stored()).toBe(2);
  });

  it('an image over 5 MB is 413', async () => {
    const r = await send(png(6 * 1024 * 1024), 'big.png', 'image/png');
    expect(r.status).toBe(413);
    expect(r.body.error.fields[0].path).toBe('file');
    expect(stored()).toBe(2);
  });

  it('a truncated multipart body is 400', async () => {
    const boundary = 'chatboundary7';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 cut here`;
    const res = await fetch(`${w.url}/api/chat/conversations/${conversationId}/files`, { method: 'POST', headers: { 'x-visitor-token': token, 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(res.status).toBe(400);
    expect(stored()).toBe(2);
  });
});
