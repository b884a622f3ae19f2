import * as devalue from 'devalue';
import { Packr } from 'msgpackr';
import { isDeepStrictEqual } from 'node:util';
import superjson from 'superjson';
import { ResultKind, type StoredEntry } from '../../lib/stores/memo-store.interface.js';
import { entryCodec } from '../../lib/serialization/entry-codec.js';
import { typedSample } from '../../test/fixtures/catalog.service.js';
import { timeTasks } from '../support/measure.js';
import { PAYLOADS } from '../support/payloads.js';
import { formatBytes, formatCount, formatNs, formatRatio, type Scenario, type Table } from '../support/report.js';

interface Candidate {
  name: string;
  encode(entry: StoredEntry): string | Buffer;
  decode(encoded: string | Buffer): unknown;
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
const devalueReducers = { Buffer: (v: unknown) => Buffer.isBuffer(v) && v.toString('base64') };
const devalueRevivers = { Buffer: (v: string) => Buffer.from(v, 'base64') };

const CANDIDATES: Candidate[] = [
  {
    name: 'v8 serialize, bytes (in use: Redis)',
    encode: (e) => entryCodec.pack(e),
    decode: (b) => entryCodec.unpack(b as Buffer),
  },
  {
    name: 'v8 serialize, base64 text (in use: { cache } aliases)',
    encode: (e) => entryCodec.encode(e),
    decode: (t) => entryCodec.decode(t),
  },
  { name: 'msgpackr (structuredClone)', encode: (e) => packr.pack(e), decode: (b) => packr.unpack(b as Buffer) },
  {
    name: 'devalue',
    encode: (e) => devalue.stringify(e, devalueReducers),
    decode: (t) => devalue.parse(t as string, devalueRevivers),
  },
  { name: 'superjson', encode: (e) => superjson.stringify(e), decode: (t) => superjson.parse(t as string) },
  {
    name: 'JSON (baseline; loses Date, Map, undefined...)',
    encode: (e) => JSON.stringify(e),
    decode: (t) => JSON.parse(t as string),
  },
];

/**
 * 4. The candidates for the Redis codec: encode + decode time of one stored entry holding
 * each payload, its encoded size, and whether it reads back equal, types included.
 */
export const codec: Scenario = {
  id: 'codec',
  title: '4. Codec',
  async run() {
    const tables: Table[] = [];
    for (const payload of PAYLOADS) {
      const now = Date.now();
      const entry: StoredEntry = {
        value: payload.value,
        kind: ResultKind.Value,
        created: now * 1000,
        freshUntil: now + 60_000,
        staleUntil: now + 60_000,
      };
      const timings = await timeTasks(CANDIDATES.map((c) => [c.name, () => c.decode(c.encode(entry))] as const));
      const base = timings[0]!;
      tables.push({
        title: `Codec round trip (encode + decode), entry holding the ${payload.name}`,
        columns: [
          '',
          'median',
          'p99',
          'ops/s',
          '× in use',
          'size',
          'reads back equal',
          'keeps every type',
          'a function',
        ],
        rows: CANDIDATES.map((c, i) => {
          const t = timings[i]!;
          const encoded = c.encode(entry);
          const size = typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.length;
          const faithful = isDeepStrictEqual((c.decode(encoded) as StoredEntry).value, payload.value);
          return [
            c.name,
            formatNs(t.medianNs),
            formatNs(t.p99Ns),
            formatCount(t.opsPerSec),
            formatRatio(t.medianNs / base.medianNs),
            formatBytes(size),
            faithful ? 'yes' : 'no',
            keepsEveryType(c, entry) ? 'yes' : 'no',
            refusesFunctions(c) ? 'refused' : 'silently dropped',
          ];
        }),
      });
    }
    return { tables };
  },
};

/** Whether Date, Map, Set, BigInt, undefined, NaN, Buffer and look-alike strings read back as they were. */
function keepsEveryType(candidate: Candidate, entry: StoredEntry): boolean {
  const value = typedSample();
  try {
    return isDeepStrictEqual((candidate.decode(candidate.encode({ ...entry, value })) as StoredEntry).value, value);
  } catch {
    return false;
  }
}

/** Whether a result holding a function is refused (so it is not stored) rather than stored without it. */
function refusesFunctions(candidate: Candidate): boolean {
  try {
    candidate.encode({ value: { format: () => 'x' } } as unknown as StoredEntry);
    return false;
  } catch {
    return true;
  }
}
