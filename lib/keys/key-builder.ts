import { createHash } from 'node:crypto';
import { MAX_ENCODED_KEY_LENGTH } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheKeyError } from '../errors.js';
import { encodeValue } from './canonical-encoder.js';
import { UnencodableValueError } from './unencodable-value.error.js';

/** How many primitive arguments' keys a method remembers before starting over. */
const RECENT_KEYS_MAX = 4_096;

/**
 * Builds the keys of one memoized method: `[namespace:]prefix:encode(args)`.
 * Everything that does not depend on the call is fixed here once, at bootstrap.
 */
export class KeyBuilder {
  /** `[namespace:]prefix:`, the readable start every key of the method shares. */
  readonly base: string;
  /**
   * Keys of recently seen single primitive arguments. A hit then looks a number or string
   * up in a Map instead of building a new key string, which the store would have to hash
   * again (about two thirds of a memory hit's cost before this).
   */
  private readonly recent = new Map<string | number, string>();

  constructor(
    namespace: string | undefined,
    readonly prefix: string,
    private readonly owner: string,
    private readonly rewrite?: (...args: never[]) => unknown,
    /**
     * For resolvers and message handlers: the arguments that make the key (GraphQL args and
     * parent, message payload), so context and info never do. `key` still sees them all.
     */
    private readonly positions?: readonly number[],
    /** Resolvers get a key error that says to keep the user in a `key` of their own. */
    private readonly resolver = false,
    /** Where an empty GraphQL arguments object keys as no argument (see MethodRole.looseArgs). */
    private readonly looseArgs?: number,
  ) {
    this.base = namespace ? `${namespace}:${prefix}:` : `${prefix}:`;
  }

  /** `extra`: values the key must also hold, e.g. the `vary` headers of a resolver's request. */
  build(args: readonly unknown[], extra?: readonly unknown[]): string {
    if (this.rewrite) return this.base + this.shorten(this.encodeRewritten(args, extra));
    if (this.positions !== undefined) args = this.positions.map((position) => args[position]);
    if (this.looseArgs !== undefined && isEmptyObject(args[this.looseArgs])) {
      args = args.map((arg, i) => (i === this.looseArgs ? undefined : arg));
    }
    if (extra !== undefined) return this.base + this.shorten(this.encodeArgs([...args, extra]));
    if (args.length === 1) {
      // The common case: one primitive argument needs no general encoder. A Map holds
      // -0 and 0 as one key, so -0 takes the general path.
      const only = args[0];
      // Long strings are not remembered: the Map would keep them alive, and their keys are hashed anyway.
      const remembered =
        typeof only === 'string'
          ? only.length <= MAX_ENCODED_KEY_LENGTH
          : typeof only === 'number' && (only !== 0 || 1 / only > 0);
      if (remembered) {
        return this.recent.get(only as string | number) ?? this.remember(only as string | number);
      }
    }
    return this.base + this.shorten(this.encodeArgs(args));
  }

  private remember(only: string | number): string {
    const key = this.base + (typeof only === 'string' ? this.shorten(JSON.stringify(only)) : String(only));
    if (this.recent.size >= RECENT_KEYS_MAX) this.recent.clear();
    this.recent.set(only, key);
    return key;
  }

  private encodeArgs(args: readonly unknown[]): string {
    let end = args.length;
    // f(1) and f(1, undefined) are the same call for any function with default parameters.
    while (end > 0 && args[end - 1] === undefined) end--;
    let encoded = '';
    for (let i = 0; i < end; i++) {
      try {
        encoded += (i === 0 ? '' : ',') + encodeValue(args[i]);
      } catch (error) {
        throw this.keyError(error, `argument ${i}`);
      }
    }
    return encoded;
  }

  private encodeRewritten(args: readonly unknown[], extra: readonly unknown[] | undefined): string {
    const value = this.rewrite!(...(args as never[]));
    try {
      return extra === undefined ? encodeValue(value) : encodeValue([value, extra]);
    } catch (error) {
      throw this.keyError(error, 'the value returned by `key`');
    }
  }

  private shorten(encoded: string): string {
    if (encoded.length <= MAX_ENCODED_KEY_LENGTH) return encoded;
    return '#' + createHash('sha256').update(encoded).digest('base64url');
  }

  /** A CacheKeyError naming the method and the argument; an error the argument itself threw (a getter, a Proxy, `toJSON`) becomes its cause. */
  private keyError(error: unknown, position: string): unknown {
    if (!(error instanceof UnencodableValueError))
      return new CacheKeyError(Messages.unreadableArgument(this.owner, position, error), { cause: error });
    const where = error.path === '$' ? position : `${position} (${error.path.replace(/^\$/, 'value')})`;
    const message = this.resolver ? Messages.unencodableResolverArgument : Messages.unencodableArgument;
    return new CacheKeyError(message(this.owner, error.what, where));
  }
}

/**
 * `{}` as GraphQL passes it for a query without arguments: a plain object with no keys. The
 * `for...in` answers for arguments that have some without allocating (this runs on every
 * resolver call); only an object with no enumerable key is asked for all of them.
 */
function isEmptyObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const _ in value) return false;
  return Reflect.ownKeys(value).length === 0;
}
