import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { from, lastValueFrom, Observable, type Subscription } from 'rxjs';
import type { CachedHandler, CachedHandlerInfo } from './cached-handler.js';
import { CachedHandlerRegistry } from './cached-handler.registry.js';
import { type HandlerCall, HeldRequest } from './held-request.js';
import { carriesUnvariedCredentials, requestKeyParts } from './request-key.js';
import { bypass, type HttpRequest, ResponseExchange } from './response-exchange.js';

const LAST = { defaultValue: undefined };

/**
 * Caches the responses of controller handlers that carry `@CacheMemoize`, on Express and
 * Fastify; other handlers pass untouched. Bind it with `@UseInterceptors()` or as
 * `APP_INTERCEPTOR`.
 *
 * GET and HEAD requests are answered from the cache when they can be (`X-Cache: HIT`);
 * concurrent misses share one execution; only complete 2xx bodies are stored, with their
 * status, Content-Type and `@Header()` headers. A request carrying `Authorization` or
 * `Cookie` passes through (`X-Cache: BYPASS`) unless the handler varies on that header or
 * gives a `key`, so one user's response never reaches another.
 */
@Injectable()
export class CacheMemoizeInterceptor implements NestInterceptor {
  constructor(
    private readonly handlers: CachedHandlerRegistry,
    /** Platform-neutral access to requests and responses, for subclasses too. */
    protected readonly adapterHost: HttpAdapterHost,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler =
      context.getType() === 'http' ? this.handlers.get(context.getClass(), context.getHandler()) : undefined;
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
   * GET and HEAD requests, without credentials unless the handler varies on them or gives a
   * `key`. Override to add rules of your own.
   */
  protected isRequestCacheable(context: ExecutionContext, handler: CachedHandlerInfo): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const method = this.adapterHost.httpAdapter.getRequestMethod(request);
    if (method !== 'GET' && method !== 'HEAD') return false;
    return handler.keyed || !carriesUnvariedCredentials(request.headers, handler.vary);
  }

  /**
   * The parts of the key of a request to a handler without `key`: its path, its sorted query
   * string and the values of its `vary` headers. Return `undefined` to not cache the request.
   */
  protected trackBy(context: ExecutionContext, handler: CachedHandlerInfo): unknown[] | undefined {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    return requestKeyParts(this.adapterHost.httpAdapter.getRequestUrl(request), request.headers, handler.vary);
  }

  /**
   * A handler with `key` is keyed by its arguments, which only exist once Nest's pipes have
   * run inside the pipeline: the pipeline is held at the handler until the key is known.
   */
  private serveKeyed(
    handler: CachedHandler,
    request: HttpRequest,
    response: object,
    next: CallHandler,
  ): Observable<unknown> {
    return new Observable((subscriber) => {
      const held = new HeldRequest(handler.binding, () => next.handle());
      let answer: Subscription | undefined;
      held.arrival
        .then((call) => (answer = this.answerHeld(handler, request, response, held, call).subscribe(subscriber)))
        .catch((error) => subscriber.error(error));
      return () => {
        answer?.unsubscribe();
        held.drop();
      };
    });
  }

  private answerHeld(
    handler: CachedHandler,
    request: HttpRequest,
    response: object,
    held: HeldRequest,
    call: HandlerCall | undefined,
  ): Observable<unknown> {
    if (call === undefined) return from(held.proceed());
    const http = this.adapterHost.httpAdapter;
    const key = handler.memoized.keyFor(call.args);
    if (handler.memoized.skips(handler.instance, call.args, key)) return bypass(http, response, from(held.proceed()));
    return new ResponseExchange(http, request, response, handler, () => held.proceed()).serve(
      key,
      call.instance,
      call.args,
    );
  }
}
