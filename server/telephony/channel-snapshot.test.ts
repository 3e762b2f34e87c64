import { parseConnectReply } from './channel-snapshot';
import { EslCommandError } from './errors';
import { readFixture, receivedStream } from './testing/fixtures';
import { parseFrames } from './testing/parse-frames';

describe('outbound connect reply → channel snapshot (real fixture)', () => {
  const frames = parseFrames(receivedStream(readFixture('outbound_socket_4001.txt')));
  const connects = frames.filter((f) => f.headers['Event-Name'] === 'CHANNEL_DATA');

  it('parses both connections of the transcript', () => {
    expect(connects).toHaveLength(2);
    const ch = parseConnectReply(connects[0]!.headers);
    expect(ch).toMatchObject({
      uuid: 'adf6baac-c8d1-4063-a174-97e1c4e7e788',
      callUuid: 'adf6baac-c8d1-4063-a174-97e1c4e7e788',
      channelName: 'sofia/internal/15551230000@127.0.0.1:5072',
      direction: 'inbound',
      callerIdNumber: '15551230000',
      callerIdName: 'SIPp Caller',
      destinationNumber: '4001',
      context: 'public',
      answerState: 'ringing',
      callState: 'RINGING',
      socketMode: 'async',
      control: 'full',
    });
    expect(ch.variables.current_application).toBe('socket');
    expect(ch.variables.current_application_data).toBe('127.0.0.1:8084 async full');
    expect(ch.hotlineCallId).toBeUndefined();
    expect(parseConnectReply(connects[1]!.headers).uuid).toBe('772c0f09-6c70-499e-856f-b7d64462d499');
  });

  it('reads hotline_call_id when the channel carries it', () => {
    const ch = parseConnectReply({ ...connects[0]!.headers, variable_hotline_call_id: 'call-123' });
    expect(ch.hotlineCallId).toBe('call-123');
  });

  it('rejects a -ERR reply', () => {
    expect(() => parseConnectReply({ 'Content-Type': 'command/reply', 'Reply-Text': '-ERR invalid' })).toThrow(EslCommandError);
  });
});
