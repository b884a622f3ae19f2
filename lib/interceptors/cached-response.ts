import { StreamableFile } from '@nestjs/common';
import etag from 'etag';

/** A handler's response as it is cached and replayed. */
export interface CachedResponse {
  status: number;
  body: unknown;
  /** Content-Type and the headers named by `@Header()`, as the handler left them. */
  headers: Array<[name: string, value: HeaderValue]>;
  /** Weak validator of a 200 body, sent as `ETag` and checked against `If-None-Match`. */
  etag?: string;
  /** A stream can be sent once only: never stored, never shared with concurrent requests. */
  stream?: true;
}

export type HeaderValue = string | number | string[];

/**
 * Builds the response to cache from what the handler pipeline produced. A `personal` one
 * (see ResponseExchange.compute) gets no ETag: its outcome says it is never stored.
 */
export function cachedResponse(
  status: number,
  body: unknown,
  headers: CachedResponse['headers'],
  personal: boolean,
): CachedResponse {
  if (isStream(body)) return { status, body, headers, stream: true };
  if (personal) return { status, body, headers };
  const hasOwnEtag = headers.some(([name]) => name === 'etag');
  return { status, body, headers, etag: status === 200 && !hasOwnEtag ? etagOf(body) : undefined };
}

/** Only complete 2xx bodies meant for anyone are stored; anything else reaches its client and is forgotten. */
export function isStorable(response: CachedResponse | undefined): boolean {
  return response !== undefined && response.stream === undefined && response.status >= 200 && response.status < 300;
}

const PRIVATE_CACHE_CONTROL = /(?:^|[\s,])(?:private|no-store|no-cache)(?:$|[\s,=])/i;

/**
 * Whether the headers a handler set make its response one client's: a cookie being set, a
 * `Cache-Control` that forbids shared caches from keeping it, or `Vary: *`.
 */
export function isPersonalResponse(
  setCookie: HeaderValue | undefined,
  cacheControl: HeaderValue | undefined,
  vary: HeaderValue | undefined,
): boolean {
  if (setCookie !== undefined && setCookie !== null && String(setCookie) !== '') return true;
  if (cacheControl !== undefined && cacheControl !== null && PRIVATE_CACHE_CONTROL.test(String(cacheControl))) {
    return true;
  }
  return headerNames(vary).includes('*');
}

/**
 * Whether the pipeline (the handler, or an interceptor bound after ours) added to `Vary` a
 * request header the key does not hold: the response says it depends on that header, so one
 * value's answer must not reach another. `Vary` set before (by middleware: CORS's `Origin`)
 * is about the headers middleware writes on every response, not about the body, and
 * `Accept-Encoding` about the compression applied after: the stored body is neither.
 */
export function variesBeyondKey(
  before: HeaderValue | undefined,
  after: HeaderValue | undefined,
  keyed: readonly string[],
): boolean {
  if (after === undefined || after === null || String(after) === String(before ?? '')) return false;
  const set = new Set(varyNames(before));
  return varyNames(after).some((name) => !set.has(name) && !keyed.includes(name));
}

/**
 * Whether the pipeline encoded the body itself (it set `Content-Encoding`, which compression
 * applied after the interceptor never has yet) by the request's `Accept-Encoding` (its `Vary`
 * names it), which the key does not hold: those bytes are for the clients that accept them.
 */
export function encodedForClient(
  encoding: HeaderValue | undefined,
  vary: HeaderValue | undefined,
  keyed: readonly string[],
): boolean {
  if (encoding === undefined || encoding === null || String(encoding) === 'identity') return false;
  return !keyed.includes('accept-encoding') && headerNames(vary).includes('accept-encoding');
}

/** `Vary` as the response has it, with those of `names` it does not name yet added. */
export function withVary(current: HeaderValue | undefined, names: readonly string[]): string {
  const named = headerNames(current);
  if (named.length === 0) return names.join(', ');
  const missing = names.filter((name) => !named.includes(name));
  return missing.length === 0 ? String(current) : `${String(current)}, ${missing.join(', ')}`;
}

/**
 * The request headers a `Vary` value names, lower-cased, but `Accept-Encoding`: compression
 * is applied after the interceptor, so the body it stores never depends on it.
 */
export function varyNames(value: unknown): string[] {
  return headerNames(value).filter((name) => name !== 'accept-encoding');
}

/** The names a list header (`Vary`) holds, trimmed and lower-cased. */
function headerNames(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return String(value)
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}

/**
 * StreamableFile, Node and web streams, async iterables and web Responses: what Nest sends
 * as it is read, so there is nothing to keep.
 */
function isStream(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  if (body instanceof StreamableFile || Object.prototype.toString.call(body) === '[object Response]') return true;
  return (
    typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' &&
    typeof (body as PromiseLike<unknown>).then !== 'function'
  );
}

/**
 * A weak ETag, since it is computed from the value rather than the bytes the platform will
 * write (JSON spacing and compression may differ); `undefined` for a body JSON cannot hold.
 */
function etagOf(body: unknown): string | undefined {
  if (typeof body === 'string' || Buffer.isBuffer(body)) return etag(body, { weak: true });
  try {
    return etag(JSON.stringify(body) ?? '', { weak: true });
  } catch {
    return undefined;
  }
}
