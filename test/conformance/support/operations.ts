import type { INestApplicationContext } from '@nestjs/common';
import { InvalidationService } from '../../../lib/index.js';
import type { Invalidation, MethodId, Reading } from './model.js';
import { Inventory, Ledger } from './services.js';

/** The model's calls and invalidations, made through an application's public API. */
export class ConformanceOperations {
  private readonly inventory: Inventory;
  private readonly ledger: Ledger;
  private readonly invalidation: InvalidationService;

  constructor(app: INestApplicationContext) {
    this.inventory = app.get(Inventory);
    this.ledger = app.get(Ledger);
    this.invalidation = app.get(InvalidationService);
  }

  call(method: MethodId, id: number): Promise<Reading> {
    if (method === 'Inventory.item') return this.inventory.item(id);
    if (method === 'Inventory.price') return this.inventory.price(id);
    if (method === 'Inventory.stock') return this.inventory.stock(id);
    return this.ledger.total(id);
  }

  /** Resolves once the invalidation took effect; a refresh resolves to what it computed. */
  async invalidate(invalidation: Invalidation): Promise<Reading | undefined> {
    const { invalidation: service } = this;
    switch (invalidation.kind) {
      case 'invalidate':
        if (invalidation.method === 'Ledger.total') await service.invalidate(Ledger, 'total', invalidation.id);
        else await service.invalidate(Inventory, methodName(invalidation.method), invalidation.id);
        return undefined;
      case 'refresh':
        if (invalidation.method === 'Ledger.total') return service.refresh(Ledger, 'total', invalidation.id);
        return service.refresh(Inventory, methodName(invalidation.method), invalidation.id);
      case 'invalidateTags':
        await service.invalidateTags(invalidation.tags);
        return undefined;
      case 'invalidatePrefix':
        await service.invalidatePrefix(invalidation.prefix);
        return undefined;
      case 'invalidateAll':
        await service.invalidateAll();
        return undefined;
    }
  }
}

function methodName(method: Exclude<MethodId, 'Ledger.total'>): 'item' | 'price' | 'stock' {
  return method === 'Inventory.item' ? 'item' : method === 'Inventory.price' ? 'price' : 'stock';
}
