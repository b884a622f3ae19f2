import { UnencodableValueError } from './unencodable-value.error.js';

/*
 * What the canonical encoder asks of a value that is not plain data: the name it is keyed by
 * (a subclass's, a typed array's), and whether it hides data the encoder cannot see (fields
 * of its own beside its items or slot, symbol-keyed fields, `#private` members).
 */

/**
 * Arrays, Maps and Sets are keyed by their items only: one with fields of its own (an extra
 * array property, a subclass's state, a symbol-keyed field) cannot be keyed by them. A
 * subclass without state is keyed with its name, so it never meets the built-in.
 */
export function subclassName(value: object, proto: object, base: Function): string {
  const own = Object.keys(value).length - (Array.isArray(value) ? countItems(value) : 0);
  const className =
    proto === base.prototype ? '' : (proto.constructor as Function | undefined)?.name || '(anonymous class)';
  if (own > 0)
    throw new UnencodableValueError(`a${className ? ` ${className}` : 'n'} ${base.name} with fields of its own`);
  if (className !== '' && hasPrivateFields(proto.constructor)) {
    throw new UnencodableValueError(`a ${className} with #private fields`);
  }
  assertNoSymbolFields(value);
  return className === '' ? '' : `${className}:`;
}

/**
 * The name a built-in whose data sits in internal slots (a Date, a typed array, a RegExp...)
 * is keyed by. Only the slot is encoded, so fields of its own or a subclass's state would be
 * ignored and two different values would share a key: those raise instead. A subclass
 * without state is keyed with its name, so it never meets the built-in.
 */
export function slotted(value: object, proto: object, base: Function, items = 0, baseName = base.name): string {
  if (Object.keys(value).length > items) {
    throw new UnencodableValueError(`a ${baseName} with fields of its own`);
  }
  assertNoSymbolFields(value);
  if (proto === base.prototype) return baseName;
  const constructor = (proto as { constructor?: Function }).constructor;
  const className = (typeof constructor === 'function' && constructor.name) || '(anonymous class)';
  if (hasPrivateFields(constructor)) throw new UnencodableValueError(`a ${className} with #private fields`);
  return `${className}:${baseName}`;
}

/** The internal type of a typed array (`Uint8Array`...), which no `constructor` field can disguise. */
const typedArrayName = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)!.get!;

export function viewName(value: ArrayBufferView, proto: object): string {
  if (value instanceof DataView) return slotted(value, proto, DataView);
  if (proto === Buffer.prototype) return slotted(value, proto, Buffer, (value as Buffer).length);
  const name = typedArrayName.call(value) as string;
  const base = (globalThis as unknown as Record<string, Function>)[name]!;
  return slotted(value, proto, base, (value as unknown as ArrayLike<unknown>).length, name);
}

function countItems(items: readonly unknown[]): number {
  let count = 0;
  for (let i = 0; i < items.length; i++) if (i in items) count++;
  return count;
}

export function assertNoSymbolFields(value: object): void {
  const symbols = Object.getOwnPropertySymbols(value);
  if (symbols.length === 0) return;
  for (const symbol of symbols) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) {
      throw new UnencodableValueError(`an object with a symbol-keyed field (${String(symbol)})`);
    }
  }
}

/**
 * A `#private` member in a class's source: an access (`this.#x`, also minified) or a
 * declaration starting a line. A `'#tag'` inside a string is neither.
 */
const PRIVATE_MEMBER = /\.#[\p{ID_Start}$_]|^\s*(?:static\s+)?(?:async\s+)?(?:[gs]et\s+)?\*?#[\p{ID_Start}$_]/mu;

/** Whether a class, or a class it extends, declares `#private` members, whose data no encoder can read. */
const privateFieldsOf = new WeakMap<Function, boolean>();
export function hasPrivateFields(constructor: unknown): boolean {
  if (typeof constructor !== 'function' || constructor === Object) return false;
  let known = privateFieldsOf.get(constructor);
  if (known === undefined) {
    known =
      PRIVATE_MEMBER.test(Function.prototype.toString.call(constructor)) ||
      hasPrivateFields(Object.getPrototypeOf(constructor));
    privateFieldsOf.set(constructor, known);
  }
  return known;
}

const builtIns = new WeakMap<Function, boolean>();
export function isBuiltIn(constructor: unknown): boolean {
  if (typeof constructor !== 'function') return false;
  let known = builtIns.get(constructor);
  if (known === undefined) {
    known = /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(constructor));
    builtIns.set(constructor, known);
  }
  return known;
}
