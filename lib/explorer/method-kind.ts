import { CUSTOM_ROUTE_ARGS_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import {
  GRAPHQL_ARGS_PARAM,
  GRAPHQL_RESOLVE_FIELD_METADATA,
  GRAPHQL_RESOLVER_TYPE_METADATA,
  GRAPHQL_ROOT_PARAM,
  MICROSERVICE_EVENT_HANDLER,
  MICROSERVICE_HANDLER_METADATA,
  MICROSERVICE_MESSAGE_HANDLER,
  RPC_PAYLOAD_PARAM,
} from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';

/**
 * How Nest calls a decorated method, which decides what its key is made of:
 * - `method`: code calls it; every argument is part of the key.
 * - `route`: an HTTP route, cached by CacheMemoizeInterceptor.
 * - `resolver`: a GraphQL `@Query()` or `@ResolveField()`.
 * - `message`: a microservice `@MessagePattern()` handler.
 */
export type MethodKind = 'method' | 'route' | 'resolver' | 'message';

export interface MethodRole {
  kind: MethodKind;
  /**
   * For resolvers and message handlers, the positions of the arguments that make the key:
   * the GraphQL arguments (and the parent of a field), or the message payload. Never the
   * GraphQL context or info, nor the RPC context: they differ on every request.
   */
  keyPositions?: number[];
  /**
   * For a resolver without parameter decorators: where its GraphQL arguments object is among
   * the key's arguments. GraphQL passes `{}` when a query has none, while `invalidate(R,
   * 'method', ...)` passes only what the method declares: an empty object there keys as no
   * argument at all, so both name the same entry.
   */
  looseArgs?: number;
}

/**
 * Reads, at bootstrap, the metadata Nest's own decorators left on `method` (by name, so that
 * `@nestjs/graphql` and `@nestjs/microservices` stay optional), and refuses what must never
 * be cached: mutations, subscriptions and events.
 */
export function methodRole(type: Function, methodName: string, method: Function, owner: string): MethodRole {
  const rootType: unknown = Reflect.getMetadata(GRAPHQL_RESOLVER_TYPE_METADATA, method);
  if (rootType === 'Mutation' || rootType === 'Subscription') {
    throw new CacheConfigError(Messages.memoizedMutation(owner, rootType));
  }
  const isField = Reflect.getMetadata(GRAPHQL_RESOLVE_FIELD_METADATA, method) === true;
  if (rootType === 'Query' || isField) {
    // Without parameter decorators Nest passes (parent, args, context, info).
    const keep = isField ? [GRAPHQL_ROOT_PARAM, GRAPHQL_ARGS_PARAM] : [GRAPHQL_ARGS_PARAM];
    const decorated = decoratedPositions(type, methodName, keep);
    if (decorated !== undefined) return { kind: 'resolver', keyPositions: decorated };
    return isField
      ? { kind: 'resolver', keyPositions: [0, 1], looseArgs: 1 }
      : { kind: 'resolver', keyPositions: [1], looseArgs: 0 };
  }
  const handlerType: unknown = Reflect.getMetadata(MICROSERVICE_HANDLER_METADATA, method);
  if (handlerType === MICROSERVICE_EVENT_HANDLER) throw new CacheConfigError(Messages.memoizedEventHandler(owner));
  if (handlerType === MICROSERVICE_MESSAGE_HANDLER) {
    // Without parameter decorators Nest passes (payload, context).
    return { kind: 'message', keyPositions: decoratedPositions(type, methodName, [RPC_PAYLOAD_PARAM]) ?? [0] };
  }
  if (Reflect.getMetadata(PATH_METADATA, method) !== undefined) return { kind: 'route' };
  return { kind: 'method' };
}

/**
 * The positions of the parameters decorated with one of `keep`, or with a custom parameter
 * decorator (its value, e.g. the current user's id, may be what the answer depends on);
 * `undefined` when the method has no parameter decorators.
 */
function decoratedPositions(type: Function, methodName: string, keep: number[]): number[] | undefined {
  const params: Record<string, { index: number }> | undefined = Reflect.getMetadata(
    ROUTE_ARGS_METADATA,
    type,
    methodName,
  );
  if (params === undefined || Object.keys(params).length === 0) return undefined;
  const positions: number[] = [];
  for (const [name, { index }] of Object.entries(params)) {
    const paramType = name.slice(0, name.lastIndexOf(':'));
    if (paramType.includes(CUSTOM_ROUTE_ARGS_METADATA) || keep.includes(Number(paramType))) positions.push(index);
  }
  return positions.sort((a, b) => a - b);
}
