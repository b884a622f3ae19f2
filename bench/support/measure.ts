import { Bench } from 'tinybench';

/** One measured row: latencies in nanoseconds, throughput in operations per second. */
export interface Timing {
  name: string;
  medianNs: number;
  p99Ns: number;
  opsPerSec: number;
}

export type BenchFn = () => unknown;

/**
 * Times each function with tinybench, one after the other in the same process, so all
 * rows share the harness overhead. Runs `rounds` rounds of `time` ms per task and keeps
 * each task's best round: noise from other processes only ever adds time.
 */
export async function timeTasks(
  tasks: ReadonlyArray<readonly [string, BenchFn]>,
  time = 250,
  rounds = 3,
): Promise<Timing[]> {
  const best = new Map<string, Timing>();
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmupTime: round === 0 ? 150 : 50, throws: true });
    for (const [name, fn] of tasks) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (!('latency' in result)) throw new Error(`${task.name}: no statistics (${result.state})`);
      const timing = {
        name: task.name,
        medianNs: result.latency.p50 * 1e6,
        p99Ns: result.latency.p99 * 1e6,
        opsPerSec: 1e3 / result.period,
      };
      const previous = best.get(task.name);
      if (!previous || timing.medianNs < previous.medianNs) best.set(task.name, timing);
    }
  }
  return tasks.map(([name]) => best.get(name)!);
}

/** Latencies in milliseconds, kept in preallocated blocks: growing one array cost the load test more than a local hit. */
class Latencies {
  private readonly blocks: Float64Array[] = [];
  private block = new Float64Array(Latencies.BLOCK);
  private used = 0;
  static readonly BLOCK = 1 << 20;

  push(ms: number): void {
    if (this.used === Latencies.BLOCK) {
      this.blocks.push(this.block);
      this.block = new Float64Array(Latencies.BLOCK);
      this.used = 0;
    }
    this.block[this.used++] = ms;
  }

  /** All of them, in ascending order. */
  sorted(): Float64Array {
    const all = new Float64Array(this.blocks.length * Latencies.BLOCK + this.used);
    this.blocks.forEach((block, index) => all.set(block, index * Latencies.BLOCK));
    all.set(this.block.subarray(0, this.used), this.blocks.length * Latencies.BLOCK);
    return all.sort();
  }
}

/**
 * Keeps `concurrency` callers busy for `durationMs`, each awaiting `fn` in a loop, and
 * records every call's latency: the shape of a server under steady load. The loop reads the
 * clock twice a call (the end of one call is the start of the next) and stores latencies in
 * typed blocks, so its own cost stays a small part of even a memory-speed call's.
 */
export async function loadTest(name: string, fn: BenchFn, concurrency: number, durationMs: number): Promise<Timing> {
  const latencies = new Latencies();
  const until = performance.now() + durationMs;
  const worker = async (): Promise<void> => {
    let now = performance.now();
    while (now < until) {
      const start = now;
      await fn();
      now = performance.now();
      latencies.push(now - start);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  const sorted = latencies.sorted();
  return {
    name,
    medianNs: percentile(sorted, 0.5) * 1e6,
    p99Ns: percentile(sorted, 0.99) * 1e6,
    opsPerSec: (sorted.length / elapsed) * 1e3,
  };
}

export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
