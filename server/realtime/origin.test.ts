import { normalizeOrigin, staffOriginAllowed } from './origin';

describe('staff socket origin check', () => {
  const origins = ['https://cc.example.com', 'http://127.0.0.1:8080'];

  it('accepts a public origin, however it is spelled', () => {
    expect(staffOriginAllowed({ origin: 'https://cc.example.com' }, origins)).toBe(true);
    expect(staffOriginAllowed({ origin: 'HTTPS://CC.example.com:443' }, origins)).toBe(true);
    expect(normalizeOrigin('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
  });

  it('refuses foreign, look-alike and null origins', () => {
    for (const origin of ['https://evil.example', 'https://cc.example.com.evil.example', 'http://cc.example.com', 'http://127.0.0.1:8081', 'null', '']) {
      expect(staffOriginAllowed({ origin }, origins)).toBe(false);
    }
  });

  it('without Origin: same-origin browser requests and non-browser clients pass, cross-site fetches do not', () => {
    expect(staffOriginAllowed({}, origins)).toBe(true);
    expect(staffOriginAllowed({ 'sec-fetch-site': 'same-origin' }, origins)).toBe(true);
    expect(staffOriginAllowed({ 'sec-fetch-site': 'cross-site' }, origins)).toBe(false);
    expect(staffOriginAllowed({ 'sec-fetch-site': 'same-site' }, origins)).toBe(false);
  });
});
