import { crossSiteReason, defaultPublicOrigins, normalizeOrigin } from './origin';
import { jsonProblem, queryProblem } from './json-guard';

describe('crossSiteReason', () => {
  const allowed = ['https://hotline.example.com', 'http://127.0.0.1:8080'];
  test('own origins pass, in any case and with the default port spelled out', () => {
    expect(crossSiteReason({ origin: 'https://HOTLINE.example.com' }, allowed)).toBeUndefined();
    expect(crossSiteReason({ origin: 'https://hotline.example.com:443' }, allowed)).toBeUndefined();
    expect(crossSiteReason({ origin: 'http://127.0.0.1:8080', secFetchSite: 'same-origin' }, allowed)).toBeUndefined();
  });
  test('foreign, null and sibling origins are refused', () => {
    for (const origin of ['https://evil.example', 'null', 'https://sub.hotline.example.com', 'http://127.0.0.1:8081', 'http://hotline.example.com']) {
      expect(crossSiteReason({ origin }, allowed)).toMatch(/is not one of/);
    }
  });
  test('without Origin, Sec-Fetch-Site decides; without either, not a browser page', () => {
    expect(crossSiteReason({ secFetchSite: 'same-site' }, allowed)).toMatch(/same-site/);
    expect(crossSiteReason({ secFetchSite: 'cross-site' }, allowed)).toMatch(/cross-site/);
    expect(crossSiteReason({ secFetchSite: 'same-origin' }, allowed)).toBeUndefined();
    expect(crossSiteReason({}, allowed)).toBeUndefined();
  });
  test('normalizeOrigin and the default origins', () => {
    expect(normalizeOrigin('ftp://x')).toBeUndefined();
    expect(normalizeOrigin('not a url')).toBeUndefined();
    expect(defaultPublicOrigins('0.0.0.0', 8080)).toEqual(['http://127.0.0.1:8080', 'http://localhost:8080']);
    expect(defaultPublicOrigins('Hotline.lan', 80)).toEqual(['http://127.0.0.1:80', 'http://localhost:80', 'http://hotline.lan:80']);
  });
});

describe('jsonProblem / queryProblem', () => {
  test('NUL anywhere names the path; clean values pass', () => {
    expect(jsonProblem({ a: [{ b: 'ok' }, { c: 'x\u0000' }] })).toEqual({ path: 'a.1.c', message: 'must not contain a NUL byte (\\u0000)' });
    expect(jsonProblem('\u0000')).toEqual({ path: 'body', message: 'must not contain a NUL byte (\\u0000)' });
    expect(jsonProblem({ a: 1, b: [true, null, 'fine'] })).toBeUndefined();
  });
  test('depth is limited without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonProblem(deep)?.message).toBe('nested deeper than 64 levels');
    let ok: unknown = 1;
    for (let i = 0; i < 64; i++) ok = { k: ok };
    expect(jsonProblem(ok)).toBeUndefined();
  });
  test('query values, repeated values and names', () => {
    expect(queryProblem({ q: 'a\u0000' })).toEqual({ path: 'q', message: 'must not contain a NUL byte (\\u0000)' });
    expect(queryProblem({ q: ['a', 'b\u0000'] })?.path).toBe('q.1');
    expect(queryProblem({ 'q\u0000': 'a' })?.path).toBe('q\\u0000');
    expect(queryProblem({ q: 'fine' })).toBeUndefined();
  });
});
