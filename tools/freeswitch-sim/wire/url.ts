/**
 * FreeSWITCH's switch_url_encode, byte for byte: plain events, XML events and the
 * outbound `connect` reply carry header values encoded this way, and clients
 * (modesl, the Hotline ESL client) decode them with decodeURIComponent.
 *
 * FreeSWITCH encodes only its SWITCH_URL_UNSAFE set plus non-printable bytes, so
 * `,` `/` `(` `)` `'` `!` `*` `~` stay literal (see `Sat,%2021%20Nov` in the fixtures).
 */
const UNSAFE = new Set('\r\n #%&+:;<=>?@[\\]^`{|}"'.split('').map((c) => c.charCodeAt(0)));

export function fsUrlEncode(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e || UNSAFE.has(b)) {
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    } else {
      out += String.fromCharCode(b);
    }
  }
  return out;
}

/** Lenient decode (a malformed %xx stays as is rather than throwing). */
export function fsUrlDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
