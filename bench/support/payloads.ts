/**
 * The two values every scenario caches, so rows compare like with like: a 1 KB object
 * (a typical entity) and a list of 100 small objects (a typical page of results).
 * Both carry a Date, as real data does; a codec that drops its type shows in the codec table.
 */
export interface Payload {
  name: string;
  value: unknown;
}

export function item(id: number): Record<string, unknown> {
  return {
    id,
    sku: `SKU-${String(id).padStart(8, '0')}`,
    title: 'Stainless steel kettle with temperature control, 1.7 litres',
    description:
      'Brushed steel body, five presets from 40 to 100 °C, keep-warm for 30 minutes, boil-dry protection and a removable limescale filter.'.repeat(
        2,
      ),
    price: { amount: 4999, currency: 'EUR' },
    tags: ['kitchen', 'appliance', 'kettle', 'steel', 'electric'],
    stock: { warehouse: 'AMS-2', available: 128, reserved: 7 },
    ratings: { average: 4.6, count: 1843 },
    updatedAt: new Date(Date.UTC(2024, 4, 1, 12, 0, 0)),
  };
}

function row(id: number): Record<string, unknown> {
  return {
    id,
    name: `Product ${id}`,
    price: 100 + id,
    active: id % 3 !== 0,
    createdAt: new Date(Date.UTC(2024, 0, 1 + (id % 28))),
  };
}

export const PAYLOADS: readonly Payload[] = [
  { name: '1 KB object', value: item(1) },
  { name: '100-object list', value: Array.from({ length: 100 }, (_, i) => row(i)) },
];

/** A copy of `payload` that shares nothing with it, for stores that must hold distinct values. */
export function distinct(payload: Payload, n: number): unknown {
  const copy = structuredClone(payload.value) as Record<string, unknown> | Array<Record<string, unknown>>;
  if (Array.isArray(copy)) copy[0]!.id = n;
  else copy.id = n;
  return copy;
}
