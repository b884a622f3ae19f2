import { encodeValue, UnencodableValueError } from '../../lib/keys/canonical-encoder.js';

describe('canonical encoder', () => {
  it.each([
    ['strings are JSON-quoted', 'a:b', '"a:b"'],
    ['numbers', 1.5, '1.5'],
    ['negative zero', -0, '-0'],
    ['bigint', 10n, '10n'],
    ['undefined', undefined, 'undefined'],
    ['dates by instant', new Date(0), 'Date(0)'],
    ['buffers by bytes', Buffer.from('hi'), 'Buffer(aGk=)'],
    ['regexps', /a.b/gi, 'RegExp("a.b",gi)'],
    ['objects with sorted keys, undefined fields left out', { b: 1, a: 'x', c: undefined }, '{"a":"x","b":1}'],
    ['null-prototype objects like plain ones', Object.assign(Object.create(null), { a: 1 }), '{"a":1}'],
    ['maps sorted by entry', new Map<unknown, number>([['b', 1], [1, 2]]), 'Map{"b":1,1:2}'],
    ['sets sorted by member', new Set(['b', 'a']), 'Set["a","b"]'],
  ])('encodes %s', (_, value, expected) => {
    expect(encodeValue(value)).toBe(expected);
  });

  it('encodes class instances by class name and own fields, or through toJSON', () => {
    class Money {
      constructor(
        readonly amount: number,
        readonly currency: string,
      ) {}
    }
    class Id {
      constructor(private readonly hex: string) {}
      toJSON() {
        return this.hex;
      }
    }
    expect(encodeValue(new Money(5, 'EUR'))).toBe('Money{"amount":5,"currency":"EUR"}');
    expect(encodeValue(new Id('ff'))).toBe('Id("ff")');
  });

  it('gives equal data equal encodings whatever the order', () => {
    const a = { list: [1, { y: 2, x: 1 }], tags: new Set([3, 1]), at: new Date(5) };
    const b = { at: new Date(5), tags: new Set([1, 3]), list: [1, { x: 1, y: 2 }] };
    expect(encodeValue(a)).toBe(encodeValue(b));
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { a: 1 };
    expect(encodeValue([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });

  it.each([
    ['a function', { f: () => 1 }, '$.f'],
    ['a symbol', [Symbol('s')], '$[0]'],
  ])('refuses %s, saying where it is', (what, value, path) => {
    expect(() => encodeValue(value)).toThrow(new UnencodableValueError(what, path));
  });

  it('refuses cycles', () => {
    const node: { next?: unknown } = {};
    node.next = { back: node };
    expect(() => encodeValue(node)).toThrow(/a cycle at \$\.next\.back/);
  });
});
