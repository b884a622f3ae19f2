/** What `@CacheInvalidate` callbacks are told about a call that succeeded. */
// The `any` defaults, fixed by the API, let untyped callbacks compile: `tags: ({ args }) => [...]`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface InvalidateContext<A extends unknown[] = any[], R = any> {
  /** The arguments of the call, as given. */
  args: A;
  /** What the method resolved to (an Observable's last value). */
  result: R;
}

/** Names computed from the call, or fixed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type InvalidateTargets<A extends unknown[] = any[], R = any> =
  string[] | ((ctx: InvalidateContext<A, R>) => string[]);

/** What `@CacheInvalidate` drops once the method has succeeded. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface InvalidateOptions<A extends unknown[] = any[], R = any> {
  /** Tags to invalidate, as `InvalidationService.invalidateTags`; a function gets the arguments and the result. */
  tags?: InvalidateTargets<A, R>;
  /** Prefixes to invalidate, as `InvalidationService.invalidatePrefix` (`'PostsService'`, `'PostsService.list'`). */
  prefixes?: InvalidateTargets<A, R>;
  /**
   * Alias to invalidate in.
   * @default every alias, as `invalidateTags` without `cache`
   */
  cache?: string;
}
