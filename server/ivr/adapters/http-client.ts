import type { HttpClient, HttpRequest, HttpResponse } from '../engine/ports';

export class LookupTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** The lookup node's HTTP client over fetch: the flow's timeout and the call's abort signal both stop it. */
export class FetchHttpClient implements HttpClient {
  async request(req: HttpRequest): Promise<HttpResponse> {
    const timeout = AbortSignal.timeout(req.timeoutMs);
    const signal = AbortSignal.any([req.signal, timeout]);
    let res: Response;
    let text: string;
    try {
      res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal, redirect: 'follow' });
      text = await res.text();
    } catch (err) {
      if (timeout.aborted && !req.signal.aborted) throw new LookupTimeoutError(req.timeoutMs);
      throw err;
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  }
}
