import { Controller, Injectable } from '@nestjs/common';
import { Args, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { CacheConfigError, CacheMemoize, CacheMemoizeModule } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

async function bootstrap(metadata: { providers?: Function[]; controllers?: Function[] }): Promise<unknown> {
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      providers: (metadata.providers ?? []) as never[],
      controllers: (metadata.controllers ?? []) as never[],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await app.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('@CacheMemoize where a call must always run: refused at bootstrap', () => {
  it('on a GraphQL @Mutation()', async () => {
    @Resolver()
    class OrdersResolver {
      @Mutation(() => String)
      @CacheMemoize('1m')
      async placeOrder(@Args('sku') sku: string): Promise<string> {
        return sku;
      }
    }
    const error = await bootstrap({ providers: [OrdersResolver] });
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(/OrdersResolver\.placeOrder, a GraphQL Mutation.*@CacheInvalidate/s);
  });

  it('on a GraphQL @Subscription(), whichever order the decorators come in', async () => {
    @Resolver()
    class FeedResolver {
      @CacheMemoize('1m')
      @Subscription(() => String)
      async updates(): Promise<string> {
        return 'tick';
      }
    }
    const error = await bootstrap({ providers: [FeedResolver] });
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(/FeedResolver\.updates, a GraphQL Subscription/);
  });

  it('on an @EventPattern() handler', async () => {
    @Controller()
    class AuditController {
      @EventPattern('order.placed')
      @CacheMemoize('1m')
      async record(payload: object): Promise<void> {
        void payload;
      }
    }
    const error = await bootstrap({ controllers: [AuditController] });
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(/AuditController\.record, an @EventPattern handler/);
  });

  it('accepts @Query() and @MessagePattern() handlers', async () => {
    @Resolver()
    class CatalogResolver {
      @Query(() => String)
      @CacheMemoize('1m')
      async title(@Args('id') id: string): Promise<string> {
        return id;
      }
    }
    @Controller()
    class CatalogController {
      @MessagePattern('title')
      @CacheMemoize('1m')
      async title(id: string): Promise<string> {
        return id;
      }
    }
    expect(await bootstrap({ providers: [CatalogResolver], controllers: [CatalogController] })).toBeUndefined();
  });
});

describe('a controller method that is neither a route, a resolver nor a message handler', () => {
  it('is memoized like a provider method', async () => {
    @Injectable()
    class Counter {
      runs = 0;
    }
    @Controller()
    class ReportsController {
      constructor(private readonly counter: Counter) {}

      @CacheMemoize('1m')
      async summary(year: number): Promise<string> {
        return `${year}: run ${++this.counter.runs}`;
      }
    }
    const app = await createApp({ controllers: [ReportsController], providers: [Counter] });
    const controller = app.get(ReportsController);
    await controller.summary(2025);
    expect(await controller.summary(2025)).toBe('2025: run 1');
    await app.close();
  });
});
