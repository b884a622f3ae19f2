import fc from 'fast-check';
import { busMessages } from '../../lib/stores/local/bus-messages.js';

describe('the messages of the invalidation bus', () => {
  it('read back as they were written, whatever the keys and mark names hold', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), fc.nat(), fc.nat(), (key, marks, id, stamp) => {
        for (const message of [
          { kind: 'i' as const, from: 'p1', id, change: { key } },
          { kind: 'i' as const, from: 'p1', id, change: { marks, stamp } },
          { kind: 'i' as const, from: 'p1', id, change: { key, created: stamp } },
          { kind: 's' as const, from: 'p1', created: stamp, key },
          { kind: 'a' as const, from: 'p1', to: 'p2', id },
        ])
          expect(busMessages.decode(busMessages.encode(message))).toEqual(message);
      }),
    );
  });

  it('split a marks invalidation around its stamp exactly as Redis joins it back', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.nat(), fc.nat(), (marks, id, stamp) => {
        const { before, after } = busMessages.markInvalidation('p1', id, marks);
        const change = { marks, stamp };
        expect(before + String(stamp) + after).toBe(busMessages.encode({ kind: 'i', from: 'p1', id, change }));
        expect(busMessages.decode(before + String(stamp) + after)).toEqual({ kind: 'i', from: 'p1', id, change });
      }),
    );
  });
});
