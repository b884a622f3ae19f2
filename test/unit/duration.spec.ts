import { CacheConfigError } from '../../lib/index.js';
import { parseDuration, toMilliseconds } from '../../lib/utils/duration.js';

describe('durations', () => {
  it.each([
    [250, 250],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
  ])('reads %p as %p ms', (value, ms) => {
    expect(toMilliseconds(value)).toBe(ms);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, '0s', '5', '5 m', 'm', '1w', '', '-1s', null, {}])(
    'rejects %p',
    (value) => {
      expect(toMilliseconds(value)).toBeUndefined();
    },
  );

  it('raises a CacheConfigError naming where the duration was given', () => {
    expect(() => parseDuration('soon', 'Books.find (ttl)')).toThrow(CacheConfigError);
    expect(() => parseDuration('soon', 'Books.find (ttl)')).toThrow(/"soon" for Books\.find \(ttl\)/);
  });
});
