/**
 * Replays one connection of fixtures/outbound_socket_4001.txt as FreeSWITCH's side of an
 * outbound socket: each command the session sends is matched to the next fixture step of the
 * same kind, and that step's real frames are sent back, with the fixture's Event-UUID replaced
 * by the one the session chose (outer Content-Length recomputed).
 */
import { readFixture, type FixtureRecord } from './fixtures';
import { rewritePlainFrame, type ReceivedCommand, type ScriptedPeer } from './scripted-freeswitch';

export interface ReplayStep {
  sent: string;
  /** Matching key: `connect`, `linger`, `sendmsg execute answer`, `sendmsg hangup`, `api uuid_getvar`, `exit`, ... */
  key: string;
  eventUuid?: string;
  received: string[];
}

function keyOf(line: string, headers: Record<string, string>): string {
  if (line === 'sendmsg' || line.startsWith('sendmsg ')) {
    const command = headers['call-command'] ?? '';
    return command === 'execute' ? `sendmsg execute ${headers['execute-app-name'] ?? ''}` : `sendmsg ${command}`;
  }
  if (line.startsWith('api ')) return line.split(' ').slice(0, 2).join(' ');
  if (line.startsWith('linger')) return 'linger';
  return line;
}

function parseSent(text: string): { line: string; headers: Record<string, string> } {
  const [line = '', ...rest] = text.replace(/\n+$/, '').split('\n');
  const headers: Record<string, string> = {};
  for (const h of rest) {
    const i = h.indexOf(': ');
    if (i > 0) headers[h.slice(0, i)] = h.slice(i + 2);
  }
  return { line, headers };
}

/** Steps of connection `n` (1-based) of the outbound fixture. */
export function outboundSteps(n: 1 | 2): ReplayStep[] {
  const records: FixtureRecord[] = readFixture('outbound_socket_4001.txt');
  const starts = records.map((r, i) => (r.dir === '##' && /^connection #\d+ accepted/.test(r.text) ? i : -1)).filter((i) => i >= 0);
  const from = starts[n - 1]!;
  const to = starts[n] ?? records.length;
  const steps: ReplayStep[] = [];
  for (const r of records.slice(from, to)) {
    if (r.dir === '>>') {
      const { line, headers } = parseSent(r.text);
      steps.push({ sent: r.text, key: keyOf(line, headers), eventUuid: headers['Event-UUID'], received: [] });
    } else if (r.dir === '<<' && steps.length > 0) {
      steps[steps.length - 1]!.received.push(r.text);
    }
  }
  return steps;
}

/** A command handler that answers from the fixture steps, in order. `onStep` may override a step. */
export function replayHandler(steps: ReplayStep[], onStep?: (step: ReplayStep, cmd: ReceivedCommand, peer: ScriptedPeer) => boolean) {
  let next = 0;
  return (cmd: ReceivedCommand, peer: ScriptedPeer): void => {
    const key = keyOf(cmd.line, cmd.headers);
    const index = steps.findIndex((s, i) => i >= next && s.key === key);
    if (index < 0) throw new Error(`replay: no fixture step for ${key}`);
    next = index + 1;
    const step = steps[index]!;
    if (onStep?.(step, cmd, peer)) return;
    const ours = cmd.headers['Event-UUID'];
    for (const frame of step.received) {
      const rewritten = step.eventUuid && ours && frame.includes(step.eventUuid) ? rewritePlainFrame(frame, [[step.eventUuid, ours]]) : frame;
      peer.send(rewritten);
    }
    if (step.received.some((f) => f.includes('Content-Disposition: disconnect'))) peer.end();
  };
}
