import { HttpStatus } from '@nestjs/common';
import {
  HEADERS_METADATA,
  HTTP_CODE_METADATA,
  PATH_METADATA,
  RESPONSE_PASSTHROUGH_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { MemoizeBinding } from '../decorators/trampoline.js';
import { varyNames } from './cached-response.js';
import type { MemoizedMethod } from '../memoizer/memoized-method.js';

/** What the interceptor's extension points are told about the handler of a request. */
export interface CachedHandlerInfo {
  /** `Controller.method`, for messages. */
  readonly owner: string;
  /** The `vary` headers, lower-cased. */
  readonly vary: readonly string[];
  /** Whether the handler gives a `key`: its entries are keyed by its arguments, not by the request. */
  readonly keyed: boolean;
  /** The credential headers (defaults and `credentialHeaders`) not in `vary`, lower-cased. */
  readonly credentials: readonly string[];
  /** The credential headers in `vary`: keys hold a digest of their values, never the values. */
  readonly variedCredentials: readonly string[];
}

/** One `@CacheMemoize` controller handler of the application, resolved at bootstrap. */
export interface CachedHandler extends CachedHandlerInfo {
  readonly memoized: MemoizedMethod;
  readonly binding: MemoizeBinding;
  /** The controller singleton, or its prototype for request-scoped controllers (only shown to callbacks). */
  readonly instance: object;
  /** The status Nest sets before the handler runs: `@HttpCode()`, else 200. */
  readonly status: number;
  /**
   * Headers replayed with the body: Content-Type, Content-Encoding and those of `@Header()` but
   * Set-Cookie, lower-cased.
   */
  readonly headerNames: readonly string[];
  /**
   * Never cached: the handler writes the response itself (`@Res()` without passthrough),
   * streams Server-Sent Events (`@Sse()`), or it was seen returning a stream.
   */
  passThrough: boolean;
  /** Whether it is in CacheMemoizeStats: from the first request the interceptor sees for it. */
  listed: boolean;
}

/** The route facts Nest itself reads from a handler, read once at bootstrap. */
export function routeFacts(
  type: Function,
  methodName: string,
  method: Function,
): Pick<CachedHandler, 'status' | 'headerNames' | 'passThrough'> {
  const headers: Array<{ name: string }> = Reflect.getMetadata(HEADERS_METADATA, method) ?? [];
  return {
    status: Reflect.getMetadata(HTTP_CODE_METADATA, method) ?? HttpStatus.OK,
    // A Set-Cookie is one client's: never kept, never replayed (and Fastify would send it twice).
    // A Content-Encoding the handler set says what its bytes are: without it, compression
    // would encode them again, and a client that asked for nothing would get gzip.
    headerNames: [
      ...new Set(['content-type', 'content-encoding', ...headers.map(({ name }) => name.toLowerCase())]),
    ].filter((name) => name !== 'set-cookie'),
    // An `@Sse()` route's Observable is its stream: each event is written as it comes.
    passThrough: writesResponseItself(type, methodName) || Reflect.getMetadata(SSE_METADATA, method) === true,
  };
}

/**
 * The request headers a handler's `@Header('Vary', ...)` names that its `vary` option does not:
 * its response depends on them, so one value's answer would reach another. `*` is checked on
 * each response (never stored).
 */
export function declaredVaryNotKeyed(method: Function, vary: readonly string[]): string[] {
  const headers: Array<{ name: string; value: unknown }> = Reflect.getMetadata(HEADERS_METADATA, method) ?? [];
  const declared = headers.filter(({ name }) => name.toLowerCase() === 'vary').flatMap(({ value }) => varyNames(value));
  return [...new Set(declared)].filter((name) => name !== '*' && !vary.includes(name));
}

/** `@Res()` or `@Next()` without `passthrough: true`: Nest sends nothing, so there is nothing to cache. */
function writesResponseItself(type: Function, methodName: string): boolean {
  const params: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, type, methodName) ?? {};
  const raw = Object.keys(params).some((key) => {
    const paramtype = Number(key.split(':')[0]);
    return paramtype === RouteParamtypes.RESPONSE || paramtype === RouteParamtypes.NEXT;
  });
  return raw && !Reflect.getMetadata(RESPONSE_PASSTHROUGH_METADATA, type, methodName);
}

/**
 * The handler's route template as declared (`/books/:id`): controller path, then method path,
 * without the global prefix or version, which Nest adds when it registers routes. Telemetry
 * names handlers by it; it is the template, never a requested URL.
 */
export function routeTemplate(type: Function, method: Function): string {
  const first = (path: unknown): string => (Array.isArray(path) ? String(path[0] ?? '') : String(path ?? ''));
  const joined = [first(Reflect.getMetadata(PATH_METADATA, type)), first(Reflect.getMetadata(PATH_METADATA, method))]
    .join('/')
    .replace(/\/+/g, '/')
    .replace(/(.)\/$/, '$1');
  return joined.startsWith('/') ? joined : `/${joined}`;
}
