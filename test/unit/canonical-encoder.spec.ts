import { encodeValue } from '../../lib/keys/canonical-encoder.js';
import { UnencodableValueError } from '../../lib/keys/unencodable-value.error.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
class Money {
  constructor(readonly cents: number) {}
  toJSON() {
    return { cents: this.cents, currency: 'EUR' };
  }
}

function failure(value: unknown): UnencodableValueError {
  try {
    encodeValue(value);
  } catch (error) {
    if (error instanceof UnencodableValueError) return error;
    throw error;
  }
  throw new Error('encoded without error');
}

describe('the canonical key encoder', () => {
  it.each<[string, unknown, string]>([
    ['a number', 1, '1'],
    ['negative zero', -0, '-0'],
    ['a string, quoted', 'a:b', '"a:b"'],
    ['a bigint', 1n, '1n'],
    ['booleans, null and undefined', [true, false, null, undefined], '[true,false,null,undefined]'],
    ['an object, fields sorted, undefined fields left out', { b: 2, a: 'x', c: undefined }, '{"a":"x","b":2}'],
    ['integer-like field names in string order', { 10: 'a', 9: 'b', x: 1 }, '{"10":"a","9":"b","x":1}'],
    ['unicode field names in UTF-16 order', { é: 1, z: 2, Z: 3, '\u{1F600}': 4 }, '{"Z":3,"z":2,"é":1,"\u{1F600}":4}'],
    ['nested objects and arrays', { q: { page: 1, tags: ['x', 'y'] } }, '{"q":{"page":1,"tags":["x","y"]}}'],
    // eslint-disable-next-line no-sparse-arrays
    ['a sparse array, holes apart from undefined', [1, , undefined], '[1,~,undefined]'],
    ['a Date by its instant', new Date(0), 'Date(0)'],
    [
      'a Map by content',
      new Map<unknown, unknown>([
        ['b', 1],
        [1, 'a'],
      ]),
      'Map{"b":1,1:"a"}',
    ],
    ['a Set by content', new Set(['b', 'a']), 'Set["a","b"]'],
    ['a Buffer', Buffer.from('hi'), 'Buffer(aGk=)'],
    ['a RegExp', /a.b/gi, 'RegExp("a.b",gi)'],
    ['a class instance by its fields and name', new Point(1, 2), '"Point"{"x":1,"y":2}'],
    ['a class instance with toJSON', new Money(5), '"Money"({"cents":5,"currency":"EUR"})'],
    ['a null-prototype object', Object.assign(Object.create(null), { a: 1 }), '{"a":1}'],
  ])('encodes %s', (_, value, expected) => {
    expect(encodeValue(value)).toBe(expected);
  });

  it('quotes every string exactly as JSON does', () => {
    const strings = [
      '',
      'kettle',
      'a"b',
      'a\\b',
      'tab\there',
      '\u0000\u001f',
      '\u007f',
      'é',
      '\u{1F600}',
      '\ud800',
      'x'.repeat(65),
    ];
    for (let code = 0; code < 0x300; code++) strings.push(`a${String.fromCharCode(code)}b`);
    for (const value of strings) expect(encodeValue(value)).toBe(JSON.stringify(value));
  });

  it.each([3, 16, 17, 40])('sorts %i fields as Array.prototype.sort() does', (count) => {
    const names = Array.from({ length: count }, (_, i) => `f${(i * 7) % count}${i % 3 ? 'x' : ''}`);
    const value = Object.fromEntries(names.map((name, i) => [name, i]));
    const expected = [...names].sort().map((name) => `"${name}":${value[name]}`);
    expect(encodeValue(value)).toBe(`{${expected.join(',')}}`);
  });

  it('gives equal keys whatever the order of object keys, Map entries or Set members', () => {
    expect(encodeValue({ a: 1, b: { c: 2, d: 3 } })).toBe(encodeValue({ b: { d: 3, c: 2 }, a: 1 }));
    expect(
      encodeValue(
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ).toBe(
      encodeValue(
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ),
    );
    expect(encodeValue(new Set([1, 2]))).toBe(encodeValue(new Set([2, 1])));
  });

  it('names what cannot be encoded and where it sits', () => {
    expect(failure(() => 1)).toMatchObject({ what: 'a function', path: '$' });
    expect(failure({ a: [1, { b: Symbol('s') }] })).toMatchObject({ what: 'a symbol', path: '$.a[1].b' });
    expect(failure(new Map([['k', () => 1]]))).toMatchObject({ what: 'a function', path: '$.get(0)' });
    expect(failure(new Set([1, () => 1]))).toMatchObject({ what: 'a function', path: '$.member(1)' });
    expect(failure(new Map([[Symbol('k'), 1]]))).toMatchObject({ what: 'a symbol', path: '$.key(0)' });
    expect(failure({ m: new Money(1), f: { toJSON: 1, g: () => 1 } })).toMatchObject({ path: '$.f.g' });
  });

  it('names a cycle at the point it closes', () => {
    const node: Record<string, unknown> = { id: 1 };
    node.children = [{ parent: node }];
    expect(failure(node)).toMatchObject({ what: 'a cycle', path: '$.children[0].parent' });
  });

  it('allows one object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(encodeValue([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });

  it('keys built-in objects by their data, not as empty objects', () => {
    const pairs: Array<[unknown, unknown]> = [
      [new Uint8Array([1]).buffer, new Uint8Array([2]).buffer],
      [new URLSearchParams('a=1'), new URLSearchParams('a=2')],
      [Object(1), Object(2)],
      [Object('a'), Object('b')],
      [new Error('a'), new Error('b')],
    ];
    for (const [a, b] of pairs) expect(encodeValue(a)).not.toBe(encodeValue(b));
    expect(encodeValue(Object(1))).not.toBe(encodeValue(1));
    expect(encodeValue(new URLSearchParams('a=1'))).toBe(encodeValue(new URLSearchParams('a=1')));
  });

  it('refuses a built-in object whose data it cannot see, like a Promise', () => {
    expect(failure({ pending: Promise.resolve(1) })).toMatchObject({ what: 'a Promise', path: '$.pending' });
    expect(failure(new WeakMap())).toMatchObject({ what: 'a WeakMap' });
  });

  it('refuses what it cannot see rather than share a key (distinct or CacheKeyError, never shared)', () => {
    class Secret {
      #value: number;
      constructor(value: number) {
        this.#value = value;
      }
      get value() {
        return this.#value;
      }
    }
    class Partly {
      #hidden = 1;
      shown = 2;
      peek() {
        return this.#hidden;
      }
    }
    class Empty {}
    class TaggedMap extends Map<string, number> {
      constructor(readonly tag: string) {
        super();
      }
    }
    class TaggedSet extends Set<number> {
      tag = 'x';
    }
    class Stack extends Array<number> {
      top = 0;
    }
    const symbol = Symbol('owner');
    expect(failure(new Secret(1))).toMatchObject({ what: 'a Secret with #private fields' });
    expect(failure(new Partly())).toMatchObject({ what: 'a Partly with #private fields' });
    expect(failure({ arg: new Empty() })).toMatchObject({ what: 'a Empty without fields', path: '$.arg' });
    expect(failure(new TaggedMap('a'))).toMatchObject({ what: 'a TaggedMap Map with fields of its own' });
    expect(failure(new TaggedSet())).toMatchObject({ what: 'a TaggedSet Set with fields of its own' });
    expect(failure(Stack.from([1]))).toMatchObject({ what: 'a Stack Array with fields of its own' });
    expect(failure(Object.assign([1], { page: 2 }))).toMatchObject({ what: 'an Array with fields of its own' });
    expect(failure({ a: 1, [symbol]: 2 })).toMatchObject({
      what: 'an object with a symbol-keyed field (Symbol(owner))',
    });
    expect(failure([{ [symbol]: 2 }])).toMatchObject({ path: '$[0]' });
  });

  it('keys a class that only mentions # in a string by its fields', () => {
    class Hashtag {
      constructor(readonly name: string) {}
      label() {
        return '#tag ' + this.name;
      }
    }
    expect(encodeValue(new Hashtag('news'))).toBe('"Hashtag"{"name":"news"}');
  });

  it('keeps apart what used to share a key', () => {
    const pairs: Array<[unknown, unknown]> = [
      [new Array(1), []],
      [new Array(1), [undefined]],
      [[1, ,], [1]], // eslint-disable-line no-sparse-arrays
      [
        new (class {
          a = 1;
        })(),
        { a: 1 },
      ],
      [new (class extends Map {})(), new Map()],
      [new (class Named extends Set {})([1]), new Set([1])],
      [new (class Row extends Array {})(), []],
    ];
    for (const [a, b] of pairs) expect(encodeValue(a)).not.toBe(encodeValue(b));
    // Non-enumerable symbols are not data (libraries tag objects with them): they are left out.
    const tagged = Object.defineProperty({ a: 1 }, Symbol('meta'), { value: 1, enumerable: false });
    expect(encodeValue(tagged)).toBe(encodeValue({ a: 1 }));
  });
});
