import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { from, lastValueFrom, Observable, type Subscription } from 'rxjs';
import type { CachedHandler, CachedHandlerInfo } from './cached-handler.js';
import { CachedHandlerRegistry } from './cached-handler.registry.js';
import { type HandlerCall, HeldRequest } from './held-request.js';
import { isPersonal } from './personal-request.js';
import { carriesQueryCredential, queryDelimiters } from './query-credentials.js';
import { requestKeyParts, varyValues } from './request-key.js';
import { type ResolverRequest, resolverRequests } from './resolver-scope.js';
import { hasSession } from './session-state.js';
import { bypass, type HttpRequest, ResponseExchange } from './response-exchange.js';

const LAST = { defaultValue: undefined };

/**
 * Caches the responses of controller handlers that carry `@CacheMemoize`, on Express and
 * Fastify; other handlers pass untouched. Bind it with `@UseInterceptors()` or as
 * `APP_INTERCEPTOR` (GraphQL apps: globally, so the per-user rule covers resolvers too).
 *
 * GET and HEAD requests are answered from the cache when they can be (`X-Cache: HIT`);
 * concurrent misses share one execution; only complete 2xx bodies are stored, with their
 * status, Content-Type and `@Header()` headers. A personal request (a credential header, or
 * a user set by a guard) passes through (`X-Cache: BYPASS`) unless the handler gives a `key`
 * or varies on the credential headers it carries; a response that sets a cookie, says
 * `Cache-Control: private | no-store | no-cache` or `Vary: *` is never stored.
 */
@Injectable()
export class CacheMemoizeInterceptor implements NestInterceptor {
  private queryDelimiters?: string;

  constructor(
    private readonly handlers: CachedHandlerRegistry,
    /** Platform-neutral access to requests and responses, for subclasses too. */
    protected readonly adapterHost: HttpAdapterHost,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = context.getType<string>();
    if (type === 'graphql') return this.interceptResolver(context, next);
    const handler = type === 'http' ? this.handlers.get(context.getClass(), context.getHandler()) : undefined;
    if (handler === undefined) return next.handle();
    const http = this.adapterHost.httpAdapter;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const response = context.switchToHttp().getResponse<object>();
    if (handler.passThrough || !this.isRequestCacheable(context, handler)) return bypass(http, response, next.handle());
    if (handler.keyed) return this.serveKeyed(handler, request, response, next);

    const parts = this.trackBy(context, handler);
    if (parts === undefined) return bypass(http, response, next.handle());
    const key = handler.memoized.keyFor(parts);
    const args = [request];
    if (handler.memoized.skips(handler.instance, args, key)) return bypass(http, response, next.handle());
    const exchange = new ResponseExchange(http, request, response, handler, () => lastValueFrom(next.handle(), LAST));
    return exchange.serve(key, handler.instance, args);
  }

  /**
   * Whether a request may be answered from the cache and its response stored. By default:
   * GET and HEAD requests that are not personal (a credential header, or a user set by a
   * guard), unless the handler gives a `key` or varies on every credential header the request
   * carries. Override to add rules of your own.
   */
  protected isRequestCacheable(context: ExecutionContext, handler: CachedHandlerInfo): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const method = this.adapterHost.httpAdapter.getRequestMethod(request);
    if (method !== 'GET' && method !== 'HEAD') return false;
    return handler.keyed || !isPersonal(request, handler.credentials);
  }

  /**
   * A memoized `@Query()` or `@ResolveField()` memoizes itself; the interceptor tells it about
   * the request behind the GraphQL context, which it may not see: whether the request is
   * personal (the field is then computed without the cache unless it gives a `key` or varies
   * on the credentials), and the values of its `vary` headers.
   */
  private interceptResolver(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rule = this.handlers.resolver(context.getHandler());
    if (rule === undefined) return next.handle();
    // Apollo and Mercurius both put the request in the context as `req` (Nest's drivers see to it).
    const request = context.getArgByIndex<{ req?: HttpRequest } | undefined>(2)?.req;
    const facts: ResolverRequest = {
      binding: rule.binding,
      // A context without its request: nothing tells users apart, so nothing is shared.
      personal:
        request === undefined
          ? !rule.keyed || rule.vary.length > 0
          : !rule.keyed &&
            (isPersonal(request, rule.credentials) || carriesQueryCredential(this.urlOf(request), this.delimiters())),
      varyValues: request && varyValues(request.headers, rule.vary, rule.variedCredentials),
      session: request !== undefined && hasSession(request) ? request : undefined,
    };
    // Nest binds next.handle() to the async context it is called in: call it inside.
    return new Observable((subscriber) => resolverRequests.run(facts, () => next.handle().subscribe(subscriber)));
  }

  /** The request's URL as sent (its query included), on either platform. */
  private urlOf(request: HttpRequest): string {
    return this.adapterHost.httpAdapter.getRequestUrl(request) as string;
  }

  /**
   * The parts of the key of a request to a handler without `key`: its host, its path, its sorted query
   * string and the values of its `vary` headers (a digest for credential headers, and for the
   * values of query parameters named for a credential). Return `undefined` to not cache the request.
   */
  protected trackBy(context: ExecutionContext, handler: CachedHandlerInfo): unknown[] | undefined {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const http = this.adapterHost.httpAdapter;
    // The host name Nest routes `@Controller({ host })` by (X-Forwarded-Host behind a trusted proxy).
    const hostname = http.getRequestHostname(request) as string | undefined;
    return requestKeyParts(
      this.urlOf(request),
      hostname,
      request.headers,
      handler.vary,
      handler.variedCredentials,
      this.delimiters(),
    );
  }

  /** What starts a URL's query on this platform (see queryDelimiters), read once. */
  private delimiters(): string {
    return (this.queryDelimiters ??= queryDelimiters(this.adapterHost.httpAdapter?.getInstance()));
  }

  /**
   * A handler with `key` is keyed by its arguments, which only exist once Nest's pipes have
   * run inside the pipeline: the pipeline is held at the handler until the key is known. What
   * the pipes read (a pipe that loads the entity, say) feeds the result, so the store's stamp
   * is taken before they run, and a result is stored as computed from then.
   */
  private serveKeyed(
    handler: CachedHandler,
    request: HttpRequest,
    response: object,
    next: CallHandler,
  ): Observable<unknown> {
    return new Observable((subscriber) => {
      let held: HeldRequest | undefined;
      let answer: Subscription | undefined;
      let dropped = false;
      const begin = (startedBefore: number | undefined) => {
        if (dropped) return;
        const hold = (held = new HeldRequest(handler.binding, () => next.handle()));
        hold.arrival
          .then(
            (call) =>
              (answer = this.answerHeld(handler, request, response, hold, call, startedBefore).subscribe(subscriber)),
          )
          .catch((error) => subscriber.error(error));
      };
      const stamp = stampNow(handler);
      if (stamp instanceof Promise) stamp.then(begin, () => begin(undefined));
      else begin(stamp);
      return () => {
        dropped = true;
        answer?.unsubscribe();
        held?.drop();
      };
    });
  }

  private answerHeld(
    handler: CachedHandler,
    request: HttpRequest,
    response: object,
    held: HeldRequest,
    call: HandlerCall | undefined,
    startedBefore: number | undefined,
  ): Observable<unknown> {
    if (call === undefined) return from(held.proceed());
    const http = this.adapterHost.httpAdapter;
    // `vary` headers are part of the key, with `key` too (as for resolvers): each value has its own entry.
    const key = handler.memoized.keyFor(
      call.args,
      varyValues(request.headers, handler.vary, handler.variedCredentials),
    );
    if (handler.memoized.skips(handler.instance, call.args, key)) return bypass(http, response, from(held.proceed()));
    return new ResponseExchange(http, request, response, handler, () => held.proceed(), startedBefore).serve(
      key,
      call.instance,
      call.args,
    );
  }
}

/** The store's stamp now, or undefined when the store cannot give one (its own execution's stamp then fails too). */
function stampNow(handler: CachedHandler): number | Promise<number> | undefined {
  try {
    return handler.memoized.config.store.stamp();
  } catch {
    return undefined;
  }
}
