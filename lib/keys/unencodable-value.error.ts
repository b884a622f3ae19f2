/**
 * What the canonical encoder raises for a value it cannot key (a function, a symbol, a cycle,
 * an object whose data it cannot see), with the path to it inside the argument.
 */
export class UnencodableValueError extends Error {
  /** Steps from the argument to the value, outermost first, added as the error unwinds. */
  private readonly steps: string[] = [];

  constructor(readonly what: string) {
    super(what);
  }

  /** Where the value sits: `$`, `$.a[1].b`, `$.get(0)`... */
  get path(): string {
    return '$' + this.steps.join('');
  }

  /** @internal Records one step outward; the path is only built when something fails. */
  within(step: string): UnencodableValueError {
    this.steps.unshift(step);
    return this;
  }
}
