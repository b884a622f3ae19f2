/** Metadata key of `@CacheMemoize` options, read from the decorated method. */
export const CACHE_MEMOIZE_METADATA = 'cache_memoize:method';
/** Metadata key of `@CacheInvalidate` options, read from the decorated method. */
export const CACHE_INVALIDATE_METADATA = 'cache_memoize:invalidate';
/** Metadata key of `@CacheMemoizeConfig` defaults, read from the class. */
export const CACHE_MEMOIZE_CONFIG_METADATA = 'cache_memoize:class';
/** DI token of the defaults given to `CacheMemoizeModule.forFeature()`. */
export const CACHE_MEMOIZE_FEATURE_DEFAULTS = 'cache_memoize:feature_defaults';

export const DEFAULT_CACHE_ALIAS = 'default';
export const DEFAULT_TTL = '1m';
/** Whether the module memoizes at all (`enabled`); tests may turn it off. */
export const DEFAULT_ENABLED = true;
export const DEFAULT_STORE_TIMEOUT = '250ms';
export const DEFAULT_MEMORY_MAX = 10_000;
/** Encoded arguments longer than this are hashed so keys stay short. */
export const MAX_ENCODED_KEY_LENGTH = 200;
/** How long a deleted key refuses results of computations that started before the delete. */
export const TOMBSTONE_LIFE_MS = 5 * 60_000;
/** How long a distributed lock outlives a holder that stopped extending it (`lock.ttl`). */
export const DEFAULT_LOCK_TTL_MS = 10_000;
/** How long a process waits for another's result before running the method itself (`lock.wait`). */
export const DEFAULT_LOCK_WAIT_MS = 30_000;
/** Entries a two-tier alias keeps in each process (`local.max`). */
export const DEFAULT_LOCAL_MAX = 10_000;
/** How long a process that cannot hear invalidations keeps serving local copies, at most (`local.lease`). */
export const DEFAULT_LOCAL_LEASE = '1s';
/** How concurrent calls of one key share an execution (`lock`). */
export const DEFAULT_LOCK = 'process' as const;
/**
 * The longest an entry may be kept (`ttl`, plus `staleIfError`): a year. Longer ones would
 * not be kept at all (Redis refuses an expiry past its 64-bit clock, 1e20 ms and the like) or
 * lose precision as timestamps, and the invalidation marks that may void them would have to
 * live as long.
 */
export const MAX_TTL_MS = 365 * 86_400_000;
/** `forRoot({ telemetry })`: metrics and traces on when `@opentelemetry/api` is installed, no span per hit. */
export const DEFAULT_TELEMETRY = { metrics: true, traces: true, hitSpans: false } as const;

/**
 * Request headers that make a request personal (`credentialHeaders` adds to them, never
 * replaces them): the usual carriers of a user's or tenant's identity.
 */
export const DEFAULT_CREDENTIAL_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'x-auth-token',
];

/**
 * Query parameters whose values are credentials (`?access_token=` as RFC 6750 allows, API keys,
 * the signature of a pre-signed URL, an OAuth `code`): keys hold a digest of their values. A
 * name is matched as a parser may read it: escapes decoded, case ignored, `-` and `_` either
 * joining words (`api_key`) or ending a part (`user_key`), each part of a nested name
 * (`user[password]`, `auth.token`) on its own. A false match costs only a less
 * readable key (the digest keeps every value apart), a missed one a credential in Redis key
 * names, so short generic names that carry credentials (Google's `key`, OAuth's `code`) count.
 */
export const CREDENTIAL_QUERY_NAMES: readonly string[] = [
  'auth',
  'authorization',
  'code',
  'jwt',
  'key',
  'otp',
  'pass',
  'pwd',
  'session',
  'sid',
  'sig',
  'ticket',
];
/**
 * Words that make any query parameter whose name holds them a credential's: `token` covers
 * `id_token`, `refresh_token` and `X-Amz-Security-Token`, `signature` `X-Amz-Signature`,
 * `credential` `X-Amz-Credential`, `secret` `client_secret`.
 */
export const CREDENTIAL_QUERY_WORDS: readonly string[] = [
  'accesskey',
  'apikey',
  'credential',
  'passphrase',
  'passwd',
  'password',
  'privatekey',
  'secret',
  'sessid',
  'sessionid',
  'signature',
  'token',
];

/*
 * Metadata that @nestjs/graphql and @nestjs/microservices record on methods. They are optional
 * peers, so their values are spelled here instead of imported: an application without them
 * must still load this library.
 */
/** `@Query()`, `@Mutation()`, `@Subscription()`: the root type of a resolver method. */
export const GRAPHQL_RESOLVER_TYPE_METADATA = 'graphql:resolver_type';
/** `@ResolveField()`. */
export const GRAPHQL_RESOLVE_FIELD_METADATA = 'graphql:resolve_property';
/** `@MessagePattern()` (1) or `@EventPattern()` (2). */
export const MICROSERVICE_HANDLER_METADATA = 'microservices:handler_type';
export const MICROSERVICE_MESSAGE_HANDLER = 1;
export const MICROSERVICE_EVENT_HANDLER = 2;
/** Parameter types of `@Parent()`/`@Root()` and `@Args()` (GqlParamtype), and `@Payload()` (RpcParamtype). */
export const GRAPHQL_ROOT_PARAM = 0;
export const GRAPHQL_ARGS_PARAM = 3;
export const RPC_PAYLOAD_PARAM = 3;
