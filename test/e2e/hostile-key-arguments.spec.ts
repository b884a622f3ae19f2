import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheKeyError, CacheMemoize } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

/**
 * Arguments built to make two different calls share a key: built-ins whose data sits in
 * internal slots (typed arrays, Date, RegExp, boxed primitives) carrying fields of their own
 * or a subclass's state, and a typed array disguised by a `constructor` field. Each must get
 * its own entry or raise CacheKeyError, never return another call's result.
 */
@Injectable()
class Lookup {
  calls = 0;

  @CacheMemoize('5m')
  async find(...args: unknown[]): Promise<string> {
    return `result-${++this.calls}:${JSON.stringify(args.map((arg) => String((arg as { tag?: unknown }).tag)))}`;
  }
}

class TaggedBytes extends Uint8Array {
  constructor(
    bytes: number[],
    readonly tag: string,
  ) {
    super(bytes);
  }
}

class ZonedDate extends Date {
  constructor(
    time: number,
    readonly tag: string,
  ) {
    super(time);
  }
}

/** Two calls with these arguments: each gets its own result, or the call raises CacheKeyError. */
async function expectNoSharedEntry(lookup: Lookup, first: unknown, second: unknown): Promise<void> {
  const settle = (arg: unknown) =>
    lookup.find(arg).then(
      (value) => ({ value }),
      (error: unknown) => {
        expect(error).toBeInstanceOf(CacheKeyError);
        return { error };
      },
    );
  const a = await settle(first);
  const b = await settle(second);
  if ('value' in a && 'value' in b) expect(b.value).not.toBe(a.value);
}

describe('hostile key arguments', () => {
  let app: INestApplication;
  let lookup: Lookup;

  beforeEach(async () => {
    app = await createApp({ providers: [Lookup] });
    lookup = app.get(Lookup);
  });
  afterEach(() => app.close());

  it('a typed-array subclass with state of its own never shares the entry of another state', async () => {
    await expectNoSharedEntry(lookup, new TaggedBytes([1, 2], 'tenant-a'), new TaggedBytes([1, 2], 'tenant-b'));
  });

  it('a typed array with an extra field never shares the entry of the bare array', async () => {
    await expectNoSharedEntry(lookup, new Uint8Array([1, 2]), Object.assign(new Uint8Array([1, 2]), { tag: 'x' }));
  });

  it('a typed array disguised by a `constructor` field never shares the entry of the type it imitates', async () => {
    const disguised = new Uint8Array([200]);
    Object.defineProperty(disguised, 'constructor', { value: Int8Array });
    await expectNoSharedEntry(lookup, new Int8Array([-56]), disguised);
  });

  it('a Date subclass with state never shares the entry of another state', async () => {
    await expectNoSharedEntry(lookup, new ZonedDate(0, 'UTC'), new ZonedDate(0, 'Europe/Paris'));
  });

  it('a Date, RegExp or boxed string with an extra field never shares the entry of the bare one', async () => {
    await expectNoSharedEntry(lookup, new Date(0), Object.assign(new Date(0), { tag: 'x' }));
    await expectNoSharedEntry(lookup, /a/, Object.assign(/a/, { tag: 'x' }));
    await expectNoSharedEntry(lookup, new String('a'), Object.assign(new String('a'), { tag: 'x' }));
  });

  it('still keys plain typed arrays, Buffers and Dates by content', async () => {
    const bytes = await lookup.find(new Uint8Array([1, 2]));
    expect(await lookup.find(new Uint8Array([1, 2]))).toBe(bytes);
    expect(await lookup.find(new Int8Array([1, 2]))).not.toBe(bytes);
    const buffer = await lookup.find(Buffer.from([1, 2]));
    expect(buffer).not.toBe(bytes);
    expect(await lookup.find(Buffer.from([1, 2]))).toBe(buffer);
    const date = await lookup.find(new Date(5));
    expect(await lookup.find(new Date(5))).toBe(date);
    expect(lookup.calls).toBe(4);
  });

  it('an instance of a user class named like a built-in (a game Map, a Date with toJSON) never shares its entry', async () => {
    const BuiltInMap = globalThis.Map;
    {
      class Map {
        id = 1;
      }
      class Date {
        toJSON(): number {
          return 5;
        }
      }
      await expectNoSharedEntry(lookup, new BuiltInMap([['id', 1]]), new Map());
      await expectNoSharedEntry(lookup, new globalThis.Date(5), new Date());
    }
  });

  it.each([
    [
      'a getter',
      {
        tag: 't',
        get broken(): string {
          throw new Error('getter exploded');
        },
      },
    ],
    [
      'a toJSON',
      new (class Money {
        toJSON(): never {
          throw new Error('toJSON exploded');
        }
      })(),
    ],
    [
      'a Proxy trap',
      new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('trap exploded');
          },
        },
      ),
    ],
  ])(
    'an argument whose %s throws gives a CacheKeyError naming the method and argument, the error as its cause',
    async (_, arg) => {
      const error: unknown = await lookup.find('ok', arg).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(CacheKeyError);
      expect(error).toMatchObject({
        code: 'E_CACHE_KEY',
        message: expect.stringContaining('Lookup.find: reading argument 1 threw'),
      });
      expect((error as Error).cause).toMatchObject({ message: expect.stringMatching(/exploded/) });
      expect(lookup.calls).toBe(0);
    },
  );
});
