/**
 * Which codec should carry memoized entries to Redis? Checks each candidate for the
 * round trip the API promises, then times encode + decode and measures the size.
 *
 *   node --import @swc-node/register/esm-register bench/redis-codec.bench.ts
 */
import { isDeepStrictEqual } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import * as devalue from 'devalue';
import { Packr } from 'msgpackr';
import superjson from 'superjson';
import { Bench } from 'tinybench';
import { typedSample } from '../test/fixtures/catalog.service.js';

interface Codec {
  encode(value: unknown): Buffer | string;
  decode(data: Buffer | string): unknown;
}

superjson.registerCustom<Buffer, string>(
  {
    isApplicable: (v): v is Buffer => Buffer.isBuffer(v),
    serialize: (v) => v.toString('base64'),
    deserialize: (v) => Buffer.from(v, 'base64'),
  },
  'Buffer',
);
const packr = new Packr({ structuredClone: true, useBigIntExtension: true });
const devalueBuffer = { Buffer: (v: unknown) => Buffer.isBuffer(v) && v.toString('base64') };
const devalueRevive = { Buffer: (v: string) => Buffer.from(v, 'base64') };

const codecs: Record<string, Codec> = {
  'v8 serialize': { encode: (v) => serialize(v), decode: (d) => deserialize(d as Buffer) },
  msgpackr: { encode: (v) => packr.pack(v), decode: (d) => packr.unpack(d as Buffer) },
  devalue: {
    encode: (v) => devalue.stringify(v, devalueBuffer),
    decode: (d) => devalue.parse(d as string, devalueRevive),
  },
  superjson: { encode: (v) => superjson.stringify(v), decode: (d) => superjson.parse(d as string) },
};

/** Everything API.md says must survive (the Redis suites check the same); then what must fail loudly. */
const typed = typedSample;
const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: i,
    title: `Post number ${i}`,
    tags: ['a', 'b'],
    publishedAt: new Date(1_700_000_000_000 + i),
    score: i / 3,
  }));
const unencodable = { fn: () => 1, symbol: Symbol('s') };

function check(codec: Codec): { lost: string[]; silent: string[] } {
  const value = typed();
  const back = codec.decode(codec.encode(value)) as Record<string, unknown>;
  const lost = Object.keys(value).filter((k) => {
    const a = (value as Record<string, unknown>)[k];
    return (
      !isDeepStrictEqual(back[k], a) ||
      (typeof a === 'object' && a !== null && Object.getPrototypeOf(back[k]) !== Object.getPrototypeOf(a))
    );
  });
  const silent = Object.entries(unencodable).flatMap(([name, v]) => {
    try {
      codec.decode(codec.encode({ v }));
      return [name];
    } catch {
      return [];
    }
  });
  return { lost, silent };
}

const bench = new Bench({ time: 500 });
const small = rows(1)[0];
const large = rows(100);
for (const [name, codec] of Object.entries(codecs)) {
  for (const [label, value] of [
    ['1 row', small],
    ['100 rows', large],
  ] as const) {
    bench.add(`${name} · ${label}`, () => codec.decode(codec.encode(value)));
  }
}
await bench.run();

const table = Object.entries(codecs).map(([name, codec]) => {
  const { lost, silent } = check(codec);
  const ops = (label: string) => {
    const result = bench.tasks.find((t) => t.name === `${name} · ${label}`)?.result;
    return result && 'throughput' in result ? Math.round(result.throughput.mean) : NaN;
  };
  return {
    codec: name,
    loses: lost.join(', ') || '-',
    'stores silently': silent.join(', ') || '-',
    '1 row ops/s': ops('1 row'),
    '100 rows ops/s': ops('100 rows'),
    '100 rows bytes': Buffer.byteLength(codec.encode(large)),
  };
});
console.table(table);
