import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import type { MemoizeOptions } from '../interfaces/memoize-options.interface.js';

const CALLBACKS = ['key', 'skip', 'unless', 'onHit', 'onMiss'] as const;
const LOCKS: ReadonlyArray<MemoizeOptions['lock']> = ['process', 'distributed', false];

/**
 * What TypeScript checks for typed code, checked again at bootstrap for the rest (plain
 * JavaScript, `as any`, options built at run time): a wrong shape would otherwise fail
 * every call, or silently do something else.
 */
export function assertOptionShapes(options: MemoizeOptions, owner: string): void {
  for (const name of CALLBACKS) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new CacheConfigError(Messages.notAFunction(owner, name));
    }
  }
  const { tags, lock, prefix } = options;
  if (tags !== undefined && typeof tags !== 'function' && !isTagList(tags)) {
    throw new CacheConfigError(Messages.invalidTags(owner));
  }
  if (lock !== undefined && !LOCKS.includes(lock)) throw new CacheConfigError(Messages.invalidLock(owner, lock));
  if (prefix !== undefined && typeof prefix !== 'string')
    throw new CacheConfigError(Messages.invalidPrefix(owner, prefix));
}

/** Tags must be a list of non-empty strings. */
export function isTagList(tags: unknown): tags is string[] {
  return Array.isArray(tags) && tags.every((tag) => typeof tag === 'string' && tag !== '');
}
