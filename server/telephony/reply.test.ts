import { EslCommandError } from './errors';
import { interpretApiBody, interpretReply, okPayload } from './reply';
import { readFixture, receivedStream } from './testing/fixtures';
import { parseFrames } from './testing/parse-frames';

describe('reply interpretation (fixture h: every error shape FreeSWITCH sent)', () => {
  const records = readFixture('h_error_replies.txt');
  const sent = records.filter((r) => r.dir === '>>').map((r) => r.text.trim());
  const replies = parseFrames(receivedStream(records)).filter((f) => f.kind === 'command-reply' || f.kind === 'api-response');
  // First reply is auth, then `event xml`; after that one reply per command, in order.
  const pairs = sent.map((cmd, i) => ({ cmd, frame: replies[i]! }));

  const outcome = (cmd: string): string => {
    const pair = pairs.find((p) => p.cmd === cmd);
    if (!pair) throw new Error(`no ${cmd}`);
    try {
      interpretReply(cmd, pair.frame);
      return 'ok';
    } catch (err) {
      expect(err).toBeInstanceOf(EslCommandError);
      return (err as EslCommandError).reply;
    }
  };

  it.each([
    ['api uuid_kill 00000000-0000-0000-0000-000000000000', '-ERR No such channel!\n'],
    ['api uuid_bridge 00000000-0000-0000-0000-000000000000 11111111-1111-1111-1111-111111111111', '-ERR Invalid uuid\n'],
    ['api uuid_record 00000000-0000-0000-0000-000000000000 start /var/fsrec/nope.wav', '-ERR Cannot locate session!\n'],
    ['api uuid_kill', '-USAGE: <uuid> [cause]\n'],
    ['api no_such_command', '-ERR no_such_command Command not found!\n'],
    ['api originate loopback/9999/nonexistent_context &park()', '-ERR NO_ROUTE_DESTINATION\n'],
    ['bogus_raw_command', '-ERR command not found'],
    ['event json NOT_A_REAL_EVENT', '-ERR no keywords supplied'],
    ['linger', '-ERR not controlling a session'],
  ])('%s → EslCommandError with the raw reply', (cmd, reply) => {
    expect(outcome(cmd)).toBe(reply);
  });

  it('uuid_hold on a missing uuid is +OK Success (a FreeSWITCH quirk we pass through)', () => {
    expect(outcome('api uuid_hold 00000000-0000-0000-0000-000000000000')).toBe('ok');
  });

  it('auth and bgapi replies are +OK', () => {
    expect(outcome('auth ClueCon')).toBe('ok');
    expect(outcome('bgapi uuid_kill 00000000-0000-0000-0000-000000000000')).toBe('ok');
  });

  it('pipelined replies (h2) come back in command order, same outcomes', () => {
    const r2 = readFixture('h2_error_replies_pipelined.txt');
    const s2 = r2.filter((r) => r.dir === '>>').map((r) => r.text.trim());
    const f2 = parseFrames(receivedStream(r2)).filter((f) => f.kind === 'command-reply' || f.kind === 'api-response');
    const bodies = (fs: typeof f2): string[] => fs.map((f) => (f.kind === 'api-response' ? f.body : (f.headers['Reply-Text'] ?? '')));
    expect(s2.length).toBe(f2.length);
    expect(bodies(f2).slice(2, 8)).toEqual(bodies(replies).slice(2, 8));
  });

  it('api before auth answers with a command/reply, still an error (fixture i)', () => {
    const frames = parseFrames(receivedStream(readFixture('i_auth_failure.txt')));
    const replies2 = frames.filter((f) => f.kind === 'command-reply');
    expect(() => interpretReply('auth WrongPassword', replies2[0]!)).toThrow(EslCommandError);
    expect(() => interpretReply('status', replies2[1]!)).toThrow(/command not found/);
  });

  it('okPayload / interpretApiBody', () => {
    expect(okPayload('+OK 583bedd6-8dfc-4337-b6a5-7f1ac96afee8\n')).toBe('583bedd6-8dfc-4337-b6a5-7f1ac96afee8');
    expect(interpretApiBody('uuid_getvar', '42')).toEqual({ ok: true, body: '42' });
    expect(() => interpretApiBody('x', '-ERR nope\n')).toThrow(EslCommandError);
  });
});
