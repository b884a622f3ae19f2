import type { AbstractHttpAdapter } from '@nestjs/core';
import fresh from 'fresh';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { from, mergeMap, type Observable, of } from 'rxjs';
import type { RunReason } from '../memoizer/method-config.js';
import { asOutcome, type Outcome } from '../memoizer/outcome.js';
import { ResultKind, type StoredEntry } from '../stores/memo-store.interface.js';
import type { CachedHandler } from './cached-handler.js';
import {
  type CachedResponse,
  cachedResponse,
  encodedForClient,
  type HeaderValue,
  isPersonalResponse,
  variesBeyondKey,
  withVary,
} from './cached-response.js';
import { detachSentHeaders } from './detached-headers.js';
import { hasPendingCookies } from './pending-cookies.js';
import { type SessionCarrier, sessionState, wroteSession } from './session-state.js';

/** The header that tells clients (and tests) where a response came from. */
export const X_CACHE = 'X-Cache';
export type CacheState = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/** The request as the interceptor reads it: Express and Fastify both expose its headers so. */
export interface HttpRequest {
  headers: IncomingHttpHeaders;
}

/**
 * One cacheable request to a cached handler: finds its response in the cache, in another
 * request's execution or by running the pipeline, and replays it on this response.
 */
export class ResponseExchange {
  /** Whether this request's own pipeline ran, rather than another's being shared. */
  private ran = false;

  constructor(
    private readonly http: AbstractHttpAdapter,
    private readonly request: HttpRequest,
    private readonly response: object,
    private readonly handler: CachedHandler,
    /** Runs the pipeline (again) to its final body. */
    private readonly run: () => Promise<unknown>,
    /** A keyed route: the store's stamp from before its pipes ran (see Outcome.startedBefore). */
    private readonly startedBefore?: number,
  ) {}

  serve(key: string, instance: object, args: unknown[]): Observable<unknown> {
    const found = this.handler.memoized.resolveKeyed(instance, args, key, this.compute, asOutcome);
    return found instanceof Promise
      ? from(found).pipe(mergeMap((outcome) => this.deliver(outcome)))
      : this.deliver(found);
  }

  private readonly compute = async (reason: RunReason): Promise<Outcome> => {
    this.ran = true;
    // A refresh in the background of a hit: let that hit's response go out untouched first,
    // then run the pipeline again from the handler's own status and read what it sets.
    if (reason === 'due') {
      await responseSent(this.response);
      detachSentHeaders(this.response);
      // Compression may have encoded that hit: its Content-Encoding is not the handler's.
      (this.response as { removeHeader?(name: string): unknown }).removeHeader?.('content-encoding');
      this.http.status(this.response, this.handler.status);
    }
    const varyBefore = this.header('vary');
    const sessionBefore = sessionState(this.request as SessionCarrier);
    const body = await this.run();
    const status = statusOf(this.response) ?? this.handler.status;
    const vary = this.header('vary');
    const personal =
      isPersonalResponse(this.header('set-cookie'), this.header('cache-control'), vary) ||
      hasPendingCookies(this.response) ||
      variesBeyondKey(varyBefore, vary, this.handler.vary) ||
      encodedForClient(this.header('content-encoding'), vary, this.handler.vary) ||
      wroteSession(this.request as SessionCarrier, sessionBefore);
    return {
      value: cachedResponse(status, body, this.capturedHeaders(), personal),
      kind: ResultKind.Value,
      startedBefore: this.startedBefore,
      // The handler said it is one client's (Set-Cookie, `Cache-Control: private`, a `Vary` the
      // key does not hold, a session written for it): never stored, never handed to another request.
      personal: personal ? true : undefined,
    };
  };

  private deliver(outcome: Outcome): Observable<unknown> {
    const response = outcome.value as CachedResponse;
    if (response.stream) {
      // The handler streams: from now on its requests go straight through.
      this.handler.passThrough = true;
      return bypass(this.http, this.response, this.ran ? of(response.body) : from(this.run()));
    }
    const state: CacheState = !('freshUntil' in outcome)
      ? 'MISS'
      : (outcome as StoredEntry).freshUntil > Date.now()
        ? 'HIT'
        : 'STALE';
    return of(this.replay(this.handler.memoized.valueOf(outcome) as CachedResponse, state));
  }

  /** Status, headers and body of `cached` on this response; no body when the client's copy is current. */
  private replay(cached: CachedResponse, state: CacheState): unknown {
    const { http, response } = this;
    if (statusOf(response) !== cached.status) http.status(response, cached.status);
    for (const [name, value] of cached.headers) http.setHeader(response, name, value as string);
    http.setHeader(response, X_CACHE, state);
    // Shared caches in front (a CDN, a proxy) must key by the same headers we do, and by those
    // middleware named before (CORS's Origin): its headers differ by them on every response.
    if (this.handler.vary.length > 0)
      http.setHeader(response, 'Vary', withVary(this.header('vary'), this.handler.vary));
    if (cached.etag === undefined) return cached.body;
    http.setHeader(response, 'ETag', cached.etag);
    if (!fresh(this.request.headers, { etag: cached.etag })) return cached.body;
    http.status(response, 304);
    return undefined;
  }

  private capturedHeaders(): CachedResponse['headers'] {
    const headers: CachedResponse['headers'] = [];
    for (const name of this.handler.headerNames) {
      const value = this.header(name);
      if (value !== undefined && value !== null) headers.push([name, value]);
    }
    return headers;
  }

  private header(name: string): HeaderValue | undefined {
    return this.http.getHeader(this.response, name) as HeaderValue | undefined;
  }
}

/** Passes a request through the pipeline uncached, saying so. */
export function bypass(
  http: AbstractHttpAdapter,
  response: object,
  pipeline: Observable<unknown>,
): Observable<unknown> {
  http.setHeader(response, X_CACHE, 'BYPASS');
  return pipeline;
}

/** Resolves once the response has been sent (Fastify's reply wraps Node's response as `raw`). */
async function responseSent(response: object): Promise<void> {
  const raw = (response as { raw?: ServerResponse }).raw ?? (response as ServerResponse);
  if (raw.writableFinished) return;
  await finished(raw).catch(() => undefined);
}

/** Express's response and Fastify's reply both carry the status so. */
function statusOf(response: object): number | undefined {
  return (response as { statusCode?: number }).statusCode;
}
