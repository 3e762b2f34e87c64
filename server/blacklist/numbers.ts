/**
 * The one way a phone number is compared for blocking: separators dropped, a
 * leading 00 read as +. Pure, so the same rule serves inbound and outbound checks.
 */
export function normalizeNumber(raw: string): string {
  const trimmed = raw.trim().replace(/[\s().-]/g, '');
  return trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
}

export function isPhoneNumber(value: string): boolean {
  return /^\+?[0-9]{3,20}$/.test(value);
}
