import { randomInt } from 'node:crypto';
import { type RandomGenerator, unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

/**
 * The seed of this run: the environment's `variable` when set (to replay a failure), else a
 * fresh one. Every report prints it.
 */
export function runSeed(variable = 'CONFORMANCE_SEED'): number {
  const given = process.env[variable];
  if (given === undefined || given === '') return randomInt(2 ** 31);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`${variable} must be an integer, got '${given}'`);
  return seed;
}

/** A seeded source of choices (pure-rand's xoroshiro128+), so a run's choices replay from its seed. */
export class Random {
  private readonly rng: RandomGenerator;

  constructor(readonly seed: number) {
    this.rng = xoroshiro128plus(seed);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.rng);
  }

  chance(p: number): boolean {
    return p > 0 && this.int(0, 999_999) < p * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** One of the keys of `weights`, each as likely as its weight. */
  weighted<T extends string>(weights: Readonly<Record<T, number>>): T {
    const entries = Object.entries(weights) as Array<[T, number]>;
    let roll = this.int(0, entries.reduce((sum, [, w]) => sum + w, 0) - 1);
    for (const [name, weight] of entries) {
      if (roll < weight) return name;
      roll -= weight;
    }
    return entries[entries.length - 1][0];
  }
}
