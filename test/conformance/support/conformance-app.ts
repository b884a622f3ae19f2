import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheMemoizeModule, type CacheMemoizeModuleOptions, CacheRegistry } from '../../../lib/index.js';
import { CacheMemoizeSettings } from '../../../lib/cache-memoize.settings.js';
import type { MemoStore } from '../../../lib/stores/memo-store.interface.js';
import { uniqueNamespace } from '../../support/redis-harness.js';
import { waitFor } from '../../support/redis-server.js';
import { FaultyStore } from './faulty-store.js';
import { ConformanceOperations } from './operations.js';
import { Random } from './random.js';
import { CONFORMANCE_PROVIDERS, SOURCE, type Source } from './services.js';
import type { OpenedStore } from './stores.js';

export interface ConformanceApp {
  readonly app: INestApplication;
  readonly ops: ConformanceOperations;
  /** The fault wrapper around the alias's real store: set its `plan` to inject faults. */
  readonly faults: FaultyStore;
  readonly namespace: string;
  close(): Promise<void>;
}

export interface ConformanceAppOptions {
  source: Source;
  /** Seeds the fault wrapper's choices. */
  seed?: number;
  moduleOptions?: Omit<CacheMemoizeModuleOptions, 'caches' | 'namespace'>;
  /** Another application's namespace, to share its entries as a second process would. */
  namespace?: string;
  /** Wraps the real store, under the fault wrapper: how a test plants a bug. */
  plant?: (store: MemoStore) => MemoStore;
}

/**
 * A real Nest application of the conformance services on `store`, in a namespace of its
 * own. The alias's store is the real one wrapped by a FaultyStore (no fault until a test sets
 * a plan): the registry is built as the module builds it, then each alias's store wrapped
 * before the explorer wires the methods to it.
 */
export async function startConformanceApp(store: OpenedStore, options: ConformanceAppOptions): Promise<ConformanceApp> {
  const namespace = options.namespace ?? uniqueNamespace('conf');
  const random = new Random((options.seed ?? 1) + 2);
  let faults: FaultyStore | undefined;
  const moduleRef = await Test.createTestingModule({
    imports: [
      CacheMemoizeModule.forRoot({
        ...options.moduleOptions,
        namespace,
        caches: { default: store.definition(namespace) },
      }),
    ],
    providers: [...CONFORMANCE_PROVIDERS, { provide: SOURCE, useValue: options.source }],
  })
    .overrideProvider(CacheRegistry)
    .useFactory({
      factory: (settings: CacheMemoizeSettings) => {
        const registry = new CacheRegistry(settings);
        for (const alias of registry.all()) {
          const real = options.plant ? options.plant(alias.store) : alias.store;
          faults = new FaultyStore(real, random);
          (alias as { store: MemoStore }).store = faults;
        }
        return registry;
      },
      inject: [CacheMemoizeSettings],
    })
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  // A client still connecting fails fast, and the memoizer bypasses it: start once it answers.
  const real = faults!.inner;
  await waitFor(
    () =>
      Promise.resolve(real.stamp()).then(
        () => true,
        () => false,
      ),
    `${store.name} to answer`,
  );
  return {
    app,
    ops: new ConformanceOperations(app),
    faults: faults!,
    namespace,
    async close() {
      faults!.plan = {};
      await app.close();
      await store.evict(app, namespace, () => true).catch(() => undefined);
    },
  };
}
