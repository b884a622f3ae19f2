import { Inject, Injectable } from '@nestjs/common';
import { CacheMemoize } from '../../../lib/index.js';
import { type MethodId, type Reading, SHORT_TTL_MS, STOCK_REFRESH_AFTER_MS, tagsOf } from './model.js';
import { stallEventLoop } from './stall.js';

/** Where the memoized methods read their row: in the test process, or over IPC from a worker. */
export interface Source {
  read(method: MethodId, id: number): Promise<Reading>;
}
export const SOURCE = Symbol('conformance source of truth');

/** Tagged methods under one class prefix, so tags, both prefix levels and the alias all cover them. */
@Injectable()
export class Inventory {
  constructor(@Inject(SOURCE) private readonly source: Source) {}

  @CacheMemoize({ ttl: '1h', tags: (ctx) => tagsOf('Inventory.item', ctx.args[0] as number) })
  async item(id: number): Promise<Reading> {
    return this.source.read('Inventory.item', id);
  }

  @CacheMemoize({ ttl: '1h', tags: (ctx) => tagsOf('Inventory.price', ctx.args[0] as number) })
  async price(id: number): Promise<Reading> {
    return this.source.read('Inventory.price', id);
  }

  /**
   * A method whose results are sometimes not stored: `unless` keeps a deleted row out (the
   * "don't cache not-found" idiom), and a row that asks for a 1 ms ttl has its entry expire
   * before or just after it reaches the store. A refresh whose result is not stored must
   * still leave no process serving the value it replaced, and so must a `refreshAfter`
   * recompute in the background.
   */
  @CacheMemoize({
    refreshAfter: STOCK_REFRESH_AFTER_MS,
    ttl: ({ result }) => result.ttlMs ?? '1h',
    tags: ({ args, result }) => {
      // Something slow between the entry's expiry and the store (a large clone, a blocked event
      // loop; tags are computed after the expiry): the 1 ms entry has expired when it arrives.
      if (result.ttlMs === SHORT_TTL_MS) stallEventLoop(2 * SHORT_TTL_MS);
      return tagsOf('Inventory.stock', args[0] as number);
    },
    unless: ({ result }) => result.deleted,
  })
  async stock(id: number): Promise<Reading> {
    return this.source.read('Inventory.stock', id);
  }
}

/** An untagged method of another class: its hits take the stores' untagged read path. */
@Injectable()
export class Ledger {
  constructor(@Inject(SOURCE) private readonly source: Source) {}

  @CacheMemoize('1h')
  async total(id: number): Promise<Reading> {
    return this.source.read('Ledger.total', id);
  }
}

export const CONFORMANCE_PROVIDERS = [Inventory, Ledger];
