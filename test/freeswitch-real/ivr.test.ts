/**
 * The sample IVR flow on a real FreeSWITCH named by FREESWITCH_ESL. FreeSWITCH must load
 * Hotline's dialplan (dialplan/README.md) with `hotline_socket` pointing at
 * FREESWITCH_HOTLINE_SOCKET (default 127.0.0.1:8084), where this test's server listens.
 * A loopback call to 4001 walks the flow; keys are sent with uuid_send_dtmf on the parked
 * A leg, which loopback passes to the B leg that runs the flow.
 * Run: FREESWITCH_ESL=127.0.0.1:8021:secret npm run test:freeswitch
 */
import { commands, type TelephonyNodes } from '../../server/telephony';
import { TELEPHONY_NODES } from '../../server/telephony/module';
import { createTestWorld, type TestWorld } from '../helpers/hotline-under-test';
import { waitFor } from '../ivr/helpers/wait';

const spec = process.env.FREESWITCH_ESL;
if (!spec) console.log('SKIP real-FreeSWITCH IVR suite: set FREESWITCH_ESL=host:port:password to run it');
const suite = spec ? describe : describe.skip;

suite('sample IVR flow on a real FreeSWITCH', () => {
  const socket = process.env.FREESWITCH_HOTLINE_SOCKET ?? '127.0.0.1:8084';
  let world: TestWorld;
  let nodes: TelephonyNodes;

  beforeAll(async () => {
    const [host, port] = socket.split(':');
    world = await createTestWorld({ env: { FREESWITCH_ESL: spec!, ESL_OUTBOUND_HOST: host!, ESL_OUTBOUND_PORT: port! } });
    nodes = world.hotline.services.get(TELEPHONY_NODES) as TelephonyNodes;
    await nodes.waitAnyReady(10_000);
  }, 60_000);
  afterAll(async () => {
    await world?.cleanup();
  });

  test('a caller reaches the flow, its trail is written, and hanging up ends it cleanly', async () => {
    const aLeg = await commands.originate(nodes, { endpoint: 'loopback/4001/public', destination: { app: 'park' }, callerIdNumber: '13800000000', timeoutSec: 20 });
    const trail = await waitFor(
      async () => {
        const { rows } = await world.hotline.db.query<{ node_id: string; kind: string }>(
          `SELECT t.node_id, t.kind FROM ivr_trail t JOIN calls c ON c.id = t.call_id WHERE c.caller_number = '13800000000' ORDER BY t.at, t.seq`,
        );
        return rows.some((r) => r.node_id === 'hours' && r.kind === 'outcome') ? rows : undefined;
      },
      'the flow passes the business-hours node',
      30_000,
    );
    expect(trail[0]).toMatchObject({ node_id: 'welcome', kind: 'start' });
    // In hours the menu waits for a key: 2 is support. Out of hours the voicemail branch runs instead.
    await nodes.api(`uuid_send_dtmf ${aLeg.uuid} 2`).catch(() => undefined);
    await nodes.api(`uuid_kill ${aLeg.uuid}`);
    const ended = await waitFor(
      async () => (await world.hotline.db.query(`SELECT 1 FROM ivr_trail t JOIN calls c ON c.id = t.call_id WHERE c.caller_number = '13800000000' AND t.kind = 'end'`)).rowCount || undefined,
      'the flow ends when the caller hangs up',
      30_000,
    );
    expect(ended).toBeGreaterThan(0);
  }, 90_000);
});
