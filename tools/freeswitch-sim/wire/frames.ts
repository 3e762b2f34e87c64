/**
 * Frames the simulator writes, in mod_event_socket's exact byte layout
 * (header lines end in "\n", a blank line ends the header block).
 */

export const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

export function authRequestFrame(): string {
  return 'Content-Type: auth/request\n\n';
}

/** `Content-Type: command/reply` with a Reply-Text, plus optional extra headers (bgapi's Job-UUID). */
export function commandReplyFrame(replyText: string, extra: Array<[string, string]> = []): string {
  let out = `Content-Type: command/reply\nReply-Text: ${replyText}\n`;
  for (const [k, v] of extra) out += `${k}: ${v}\n`;
  return out + '\n';
}

/** api_exec: an empty reply becomes "-ERR no reply\n". */
export function apiResponseFrame(body: string): string {
  const text = body.length === 0 ? '-ERR no reply\n' : body;
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(text)}\n\n${text}`;
}

/** send_disconnect: the final frame before FreeSWITCH closes an ESL socket. */
export function disconnectFrame(sessionUuid?: string, message = GOODBYE): string {
  const len = Buffer.byteLength(message);
  if (sessionUuid) {
    return (
      `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${sessionUuid}\n` +
      `Content-Disposition: disconnect\nContent-Length: ${len}\n\n${message}`
    );
  }
  return `Content-Type: text/disconnect-notice\nContent-Length: ${len}\n\n${message}`;
}

/** The notice an outbound socket gets when its channel hangs up while `linger` is on. */
export function lingerFrame(sessionUuid: string, channelName: string, lingerSeconds: number): string {
  return (
    `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${sessionUuid}\n` +
    `Content-Disposition: linger\nChannel-Name: ${channelName}\nLinger-Time: ${lingerSeconds}\nContent-Length: 0\n\n`
  );
}
