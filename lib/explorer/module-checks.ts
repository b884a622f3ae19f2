import type { ModulesContainer } from '@nestjs/core';
import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import { CacheConfigError } from '../errors.js';

type Module = ReturnType<ModulesContainer['values']> extends Iterable<infer M> ? M : never;

/**
 * The two ways of importing the module that would leave methods silently unmemoized or
 * invalidations acting on the wrong caches, checked once per application at bootstrap.
 */
export function assertOneRoot(modules: ModulesContainer): void {
  const roots = [...modules.values()].filter(isRoot);
  if (roots.length > 1) throw new CacheConfigError(Messages.twoRoots(importersOf(modules, roots)));
}

export function assertRootPresent(modules: ModulesContainer, feature: Function): void {
  if ([...modules.values()].some(isRoot)) return;
  const features = [...modules.values()].filter((module) => module.metatype === feature);
  throw new CacheConfigError(Messages.featureWithoutRoot(importersOf(modules, features)));
}

function isRoot(module: Module): boolean {
  return module.providers.has(CacheMemoizeSettings);
}

/** The names of the modules importing any of `imported`, for messages. */
function importersOf(modules: ModulesContainer, imported: Module[]): string[] {
  const names = [...modules.values()]
    .filter((module) => [...module.imports].some((child) => imported.includes(child as Module)))
    .map((module) => module.metatype.name);
  return names.length ? [...new Set(names)] : ['the application'];
}
