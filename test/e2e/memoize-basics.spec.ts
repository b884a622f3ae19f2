import { Injectable } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { CacheMemoize, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

@Injectable()
class RelatedPosts {
  calls: unknown[][] = [];

  @CacheMemoize('5m')
  async find(...args: unknown[]): Promise<string> {
    this.calls.push(args);
    return `result-${this.calls.length}`;
  }
}

describe('memoizing a provider method', () => {
  let app: INestApplication;
  let service: RelatedPosts;

  beforeEach(async () => {
    app = await createApp({ providers: [RelatedPosts] });
    service = app.get(RelatedPosts);
  });
  afterEach(() => app.close());

  it('runs once for the same arguments and again for new ones', async () => {
    expect(await service.find(1)).toBe('result-1');
    expect(await service.find(1)).toBe('result-1');
    expect(await service.find(2)).toBe('result-2');
    expect(service.calls).toEqual([[1], [2]]);
  });

  it('invalidates one entry without recomputing it', async () => {
    await service.find(1);
    await service.find(2);
    await app.get(InvalidationService).invalidate(RelatedPosts, 'find', 1);
    expect(service.calls).toHaveLength(2);
    expect(await service.find(2)).toBe('result-2');
    expect(await service.find(1)).toBe('result-3');
  });
});
