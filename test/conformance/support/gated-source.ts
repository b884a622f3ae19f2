import type { MethodId, Reading } from './model.js';
import type { Source } from './services.js';
import { EventSequence, VersionedDatabase } from './source-of-truth.js';

/**
 * The source of truth for scripted tests: reads return at once, except the next one after
 * `hold()`, which waits (having read its row) until `release()`, so a test can invalidate
 * while a computation that saw the old row is in flight.
 */
export class GatedSource implements Source {
  readonly database = new VersionedDatabase(new EventSequence());
  reads = 0;
  private holding = false;
  private arrived: () => void = () => undefined;
  private opened: () => void = () => undefined;
  private reached: Promise<void> = Promise.resolve();

  hold(): void {
    this.holding = true;
    this.reached = new Promise((resolve) => (this.arrived = resolve));
  }

  /** Resolves once the held computation has read its row. */
  whenHeld(): Promise<void> {
    return this.reached;
  }

  release(): void {
    this.opened();
  }

  async read(method: MethodId, id: number): Promise<Reading> {
    this.reads++;
    const reading = this.database.read(method, id);
    if (this.holding) {
      this.holding = false;
      const open = new Promise<void>((resolve) => (this.opened = resolve));
      this.arrived();
      await open;
    }
    return reading;
  }
}
