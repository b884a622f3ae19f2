import { deepCopy } from '../../lib/serialization/deep-copy.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('deepCopy (clone: true)', () => {
  it('copies every kind of value a result holds, sharing nothing with it', () => {
    const original = {
      date: new Date(5),
      map: new Map<unknown, unknown>([['k', { deep: [1] }]]),
      set: new Set([{ a: 1 }]),
      buffer: Buffer.from('hi'),
      bytes: new Uint16Array([1, 2]),
      arrayBuffer: new Uint8Array([3]).buffer,
      view: new DataView(new Uint8Array([4, 5]).buffer, 1),
      regexp: /a.b/gi,
      list: [1, { b: 2 }, undefined],
      bigint: 1n,
      nothing: null,
    };
    const copy = deepCopy(original);
    expect(copy).toEqual(original);
    expect(copy.buffer).toBeInstanceOf(Buffer);
    expect(copy.view.getUint8(0)).toBe(5);
    for (const name of Object.keys(original) as Array<keyof typeof original>) {
      if (typeof original[name] === 'object' && original[name] !== null) expect(copy[name]).not.toBe(original[name]);
    }
    expect(copy.map.get('k')).not.toBe(original.map.get('k'));
    expect([...copy.set][0]).not.toBe([...original.set][0]);
    expect(copy.list[1]).not.toBe(original.list[1]);
  });

  it('keeps holes, null-prototype objects, and turns class instances into their fields', () => {
    // eslint-disable-next-line no-sparse-arrays
    const holes = deepCopy([1, , 3]);
    expect(1 in holes).toBe(false);
    const bare = deepCopy(Object.assign(Object.create(null) as object, { a: 1 }));
    expect(Object.getPrototypeOf(bare)).toBeNull();
    expect(deepCopy(new Point(1, 2))).toStrictEqual({ x: 1, y: 2 });
  });

  it('keeps an own __proto__ field as a field, at any depth', () => {
    const hostile = JSON.parse('{"__proto__":{"isAdmin":true},"a":[{"__proto__":{"isAdmin":true}}]}') as {
      isAdmin?: boolean;
      a: Array<{ isAdmin?: boolean }>;
    };
    const copy = deepCopy(hostile);
    expect(copy.isAdmin).toBeUndefined();
    expect(copy.a[0]!.isAdmin).toBeUndefined();
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined();
  });
});
