import * as devalue from 'devalue';
import { isDeepStrictEqual } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import superjson from 'superjson';
import { ResultKind, type StoredEntry } from '../../lib/registry/memo-store.interface.js';
import { entryCodec } from '../../lib/serialization/entry-codec.js';
import { timeTasks } from '../support/measure.js';
import { PAYLOADS } from '../support/payloads.js';
import { formatBytes, formatCount, formatNs, formatRatio, type Scenario, type Table } from '../support/report.js';

interface Candidate {
  name: string;
  encode(entry: StoredEntry): string | Buffer;
  decode(encoded: string | Buffer): unknown;
}

const CANDIDATES: Candidate[] = [
  {
    name: 'v8 serialize + base64 text (entry-codec, in use)',
    encode: (e) => entryCodec.encode(e),
    decode: (t) => entryCodec.decode(t),
  },
  { name: 'v8 serialize, raw Buffer', encode: (e) => serialize(e), decode: (b) => deserialize(b as Buffer) },
  { name: 'superjson', encode: (e) => superjson.stringify(e), decode: (t) => superjson.parse(t as string) },
  { name: 'devalue', encode: (e) => devalue.stringify(e), decode: (t) => devalue.parse(t as string) },
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
        columns: ['', 'median', 'p99', 'ops/s', '× in use', 'size', 'reads back equal'],
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
          ];
        }),
      });
    }
    return { tables };
  },
};
