/**
 * JSON over HTTP to Hotline, same origin: the session cookie rides along and the
 * browser's Origin header satisfies the server's CSRF check. Every command is a route
 * (the realtime channel only pushes events).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T = unknown>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const put = <T = unknown>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T = unknown>(path: string, body: unknown) => api<T>('PATCH', path, body);
