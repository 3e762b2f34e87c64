/**
 * Events parsed per second: real fixture events (JSON, as subscribed in production) replayed
 * over a loopback socket into a live EslInboundConnection, each one also normalised into the
 * typed stream, which is the work the server does per event.
 */
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../../server/logging/logger';
import { normalizeEvent } from '../../server/telephony/events';
import { EslInboundConnection } from '../../server/telephony/inbound-connection';
import { readFixture } from '../../server/telephony/testing/fixtures';
import { frames, ScriptedInboundServer } from '../../server/telephony/testing/scripted-freeswitch';

export interface EventsResult {
  events: number;
  bytes: number;
  seconds: number;
  events_per_s: number;
  mb_per_s: number;
}

export async function benchEvents(targetEvents: number): Promise<EventsResult> {
  const sample = ['a_inbound_sipp_ivr_dtmf_record.txt', 'b_api_originate_uuid_bridge.txt', 'c_uuid_hold.txt', 'e_conference_3party.txt']
    .flatMap((f) => readFixture(f))
    .filter((r) => r.dir === '<<' && r.text.includes('Content-Type: text/event-json'))
    .map((r) => r.bytes);
  const reps = Math.ceil(targetEvents / sample.length);
  const block = Buffer.concat(sample);
  const total = reps * sample.length;

  const fs = await ScriptedInboundServer.start((cmd, peer) => {
    if (cmd.line.startsWith('auth ')) peer.send(frames.commandReply('+OK accepted'));
    else if (cmd.line.startsWith('event json')) peer.send(frames.commandReply('+OK event listener enabled json'));
    else if (cmd.line === 'api flood') {
      peer.send(frames.apiResponse('+OK\n'));
      // Write in batches and respect backpressure, as FreeSWITCH's socket would.
      let sent = 0;
      const pump = (): void => {
        while (sent < reps) {
          sent += 1;
          if (!peer.socket.write(block)) {
            peer.socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    }
  });
  const conn = new EslInboundConnection({ node: { host: '127.0.0.1', port: fs.port, password: 'bench' }, logger: silentLogger });
  conn.start();
  await conn.waitReady(5_000);
  let count = 0;
  let typed = 0;
  const done = new Promise<void>((resolve) => {
    conn.on('event', (raw) => {
      if (normalizeEvent(raw, conn.name)) typed += 1;
      if (++count === total) resolve();
    });
  });
  const started = performance.now();
  await conn.api('flood');
  await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
  const seconds = (performance.now() - started) / 1000;
  await conn.close();
  await fs.close();
  if (typed === 0) throw new Error('no event normalised');
  return { events: count, bytes: block.length * reps, seconds, events_per_s: Math.round(count / seconds), mb_per_s: Math.round((block.length * reps) / seconds / 1e5) / 10 };
}
