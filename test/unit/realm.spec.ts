import { deserialize, serialize } from 'node:v8';
import { intoThisRealm, SAME_REALM } from '../../lib/serialization/realm.js';

/** What node:v8 gives back under Jest: the data, built with the main realm's classes. */
const roundTrip = <T>(value: T): T => deserialize(serialize(value)) as T;

describe('intoThisRealm', () => {
  it('knows it runs inside a vm context here', () => {
    expect(SAME_REALM).toBe(false);
    expect(roundTrip(new Date(0))).not.toBeInstanceOf(Date);
  });

  it('keeps shared references and cycles', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { a: shared, b: shared };
    cyclic.self = cyclic;
    const copy = intoThisRealm(roundTrip(cyclic));
    expect(copy.a).toBe(copy.b);
    expect(copy.self).toBe(copy);
    expect(copy.a).toBeInstanceOf(Object);
  });

  it('keeps an own __proto__ key as data, holes as holes, and bigints', () => {
    const hostile = JSON.parse('{"__proto__": {"isAdmin": true}}');
    const holes = new Array<number>(3);
    holes[0] = 1;
    holes[2] = 3;
    const copy = intoThisRealm(roundTrip({ hostile, holes, big: 2n ** 70n }));
    expect((copy.hostile as { isAdmin?: boolean }).isAdmin).toBeUndefined();
    expect(Object.getPrototypeOf(copy.hostile)).toBe(Object.prototype);
    expect(Object.keys(copy.hostile)).toEqual(['__proto__']);
    expect(1 in copy.holes).toBe(false);
    expect(copy.holes).toHaveLength(3);
    expect(copy.big).toBe(2n ** 70n);
  });

  it('rebuilds errors with their type and message', () => {
    const copy = intoThisRealm(roundTrip({ error: new RangeError('too far') }));
    expect(copy.error).toBeInstanceOf(RangeError);
    expect(copy.error.message).toBe('too far');
  });

  it('copies the viewed bytes only, for a view into a larger buffer', () => {
    const whole = new Uint16Array([1, 2, 3, 4]);
    const copy = intoThisRealm(
      roundTrip({ part: new Uint16Array(whole.buffer, 2, 2), view: new DataView(whole.buffer) }),
    );
    expect(copy.part).toBeInstanceOf(Uint16Array);
    expect([...copy.part]).toEqual([2, 3]);
    expect(copy.view).toBeInstanceOf(DataView);
    expect(copy.view.getUint16(2, true)).toBe(2);
  });
});
