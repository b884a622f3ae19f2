import { Controller, Get, type INestApplication, type INestMicroservice, Param, UseInterceptors } from '@nestjs/common';
import {
  type ClientProxy,
  ClientProxyFactory,
  Ctx,
  MessagePattern,
  type MicroserviceOptions,
  Payload,
  Transport,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, CacheMemoizeModule, CacheMemoizeStats } from '../../../lib/index.js';
import { Latch, until } from '../../fixtures/http/latch.js';
import { Runs } from '../../fixtures/http/runs.js';
import { freePort, RedisServer } from '../../support/redis-server.js';

@Controller('prices')
class PricesController {
  readonly runs = new Runs();
  latch = new Latch();
  misses = 0;

  @MessagePattern('price')
  @CacheMemoize('1m')
  async price(@Payload() payload: { sku: string }, @Ctx() _context: unknown): Promise<object> {
    return { sku: payload.sku, run: this.runs.count(`price:${payload.sku}`) };
  }

  /** No parameter decorators: Nest passes (payload, context). */
  @MessagePattern('stock')
  @CacheMemoize('1m')
  async stock(payload: { sku: string }): Promise<object> {
    return { sku: payload.sku, run: this.runs.count('stock') };
  }

  @MessagePattern('slow')
  @CacheMemoize({ ttl: '1m', onMiss: ({ instance }) => (instance as PricesController).misses++ })
  async slow(@Payload() sku: string): Promise<object> {
    const run = this.runs.count('slow');
    await this.latch.opened;
    return { sku, run };
  }

  @Get(':sku')
  @UseInterceptors(CacheMemoizeInterceptor)
  @CacheMemoize('1m')
  async http(@Param('sku') sku: string): Promise<object> {
    return { sku, run: this.runs.count('http') };
  }
}

type Setup = 'tcp' | 'redis' | 'hybrid';

interface Running {
  client: ClientProxy;
  app: INestMicroservice | INestApplication;
  http?: INestApplication;
  close(): Promise<void>;
}

async function start(setup: Setup, redis: RedisServer | undefined): Promise<Running> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheMemoizeModule.forRoot()],
    controllers: [PricesController],
  }).compile();
  const port = setup === 'redis' ? redis!.port : await freePort();
  const transport: MicroserviceOptions =
    setup === 'redis'
      ? { transport: Transport.REDIS, options: { host: '127.0.0.1', port } }
      : { transport: Transport.TCP, options: { host: '127.0.0.1', port } };
  let app: INestMicroservice | INestApplication;
  let http: INestApplication | undefined;
  if (setup === 'hybrid') {
    http = app = moduleRef.createNestApplication({ logger: false });
    app.connectMicroservice<MicroserviceOptions>(transport, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
  } else {
    app = moduleRef.createNestMicroservice<MicroserviceOptions>({ ...transport, logger: false });
    await app.listen();
  }
  const client = ClientProxyFactory.create(transport as never) as unknown as ClientProxy;
  await client.connect();
  return {
    client,
    app,
    http,
    async close() {
      await client.close();
      await app.close();
    },
  };
}

let redis: RedisServer | undefined;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(() => redis?.stop());

describe.each<Setup>(['tcp', 'redis', 'hybrid'])('@CacheMemoize on @MessagePattern handlers over %s', (setup) => {
  let running: Running;
  let prices: PricesController;
  const send = <T>(pattern: string, payload: unknown) => lastValueFrom(running.client.send<T>(pattern, payload));

  beforeEach(async () => {
    running = await start(setup, redis);
    prices = running.app.get(PricesController);
  });
  afterEach(() => {
    prices.latch.open(); // a failed test must not leave a handler waiting, holding the app open
    return running.close();
  });

  it('replies from the cache, keyed by the handler and the payload, never the RPC context', async () => {
    await send('price', { sku: 'a' });
    const again = await send('price', { sku: 'a' });
    const other = await send('price', { sku: 'b' });
    expect(again).toEqual({ sku: 'a', run: 1 });
    expect(other).toEqual({ sku: 'b', run: 1 });
    expect(prices.runs.of('price:a')).toBe(1);
  });

  it('keys the payload by its content: field order and undefined fields do not matter, a Date does', async () => {
    const at = new Date(0);
    await send('price', { sku: 'a', region: 'eu', at });
    await send('price', { at: new Date(0), region: 'eu', sku: 'a', coupon: undefined });
    expect(prices.runs.of('price:a')).toBe(1);
    expect(await send('price', { sku: 'a', region: 'eu', at: new Date(1) })).toEqual({ sku: 'a', run: 2 });
  });

  it('keys a handler without parameter decorators by its payload', async () => {
    await send('stock', { sku: 'a' });
    expect(await send('stock', { sku: 'a' })).toEqual({ sku: 'a', run: 1 });
    expect(await send('stock', { sku: 'b' })).toEqual({ sku: 'b', run: 2 });
  });

  it('lets concurrent messages for one payload share one execution', async () => {
    const pending = [1, 2, 3].map(() => send('slow', 'a'));
    await until(() => prices.misses === 3);
    prices.latch.open();
    expect(await Promise.all(pending)).toEqual(Array(3).fill({ sku: 'a', run: 1 }));
  });

  it('lists the handlers in the stats with what they really did', async () => {
    await send('price', { sku: 'a' });
    await send('price', { sku: 'a' });
    const stats = running.app.get(CacheMemoizeStats).snapshot();
    expect(stats['PricesController.price']).toMatchObject({ hits: 1, misses: 1 });
  });

  if (setup === 'hybrid') {
    it("caches the same controller's HTTP route through the interceptor, beside its message handlers", async () => {
      await request(running.http!.getHttpServer()).get('/prices/a').expect(200);
      const hit = await request(running.http!.getHttpServer()).get('/prices/a').expect(200);
      expect([hit.headers['x-cache'], hit.body]).toEqual(['HIT', { sku: 'a', run: 1 }]);
      expect(await send('price', { sku: 'a' })).toEqual({ sku: 'a', run: 1 });
    });
  }
});
