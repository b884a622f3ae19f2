import { Inject, Injectable } from '@nestjs/common';
import { CacheMemoize } from '../../../lib/index.js';
import { type MethodId, type Reading, tagsOf } from './model.js';

/** Where the memoized methods read their row: in the test process, or over IPC from a worker. */
export interface Source {
  read(method: MethodId, id: number): Promise<Reading>;
}
export const SOURCE = Symbol('conformance source of truth');

/** Two tagged methods under one class prefix, so tags, both prefix levels and the alias all cover them. */
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
