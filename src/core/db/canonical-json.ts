// Deterministic JSON for hashing (the journal chain) and for storage (journal payloads, outbox
// bodies). Hand-written: `canonicalize` (RFC 8785) on npm would fit, but no new dependency can
// be installed here, and our rules are stricter than RFC 8785 anyway: money data must hold
// whole numbers only, and values JSON.stringify silently changes (undefined in an array → null,
// NaN → null, a Map → {}) must be errors, not quiet data loss.
//
// Output: object keys sorted by UTF-16 code units (the RFC 8785 order, JavaScript's default
// sort), no whitespace, strings and numbers written as JSON.stringify writes them (which is
// the RFC 8785 number format). For inputs without lone surrogates the output is RFC 8785.
//
// It runs on every sale commit (the journal payload is one call), so it is written for speed:
// one string built by concatenation, the sorted and quoted key list of each object shape cached
// (records of one type share a shape), and error paths built only when there is an error.

export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

export interface CanonicalJsonOptions {
  /**
   * Allow any finite number: fractions and integers beyond ±2^53, written in the shortest
   * round-trip form. Off by default:
   * everything we hash is integer minor units, basis points and counts, so a fraction there is
   * a bug to stop, not a value to store.
   */
  readonly allowFractions?: boolean;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

// ---------------------------------------------------------------------------------------------
// Key order per object shape. An object's own keys (Object.keys order) map to the same sorted
// order every time, so the sort and the quoting are done once per shape. A shape is found by
// its keys joined with NUL and then compared key by key, so a lookup can miss but never lie.

interface Shape {
  /** Object.keys order, as seen. */
  readonly keys: readonly string[];
  /** The same keys sorted by UTF-16 code units. */
  readonly sorted: readonly string[];
  /** `"key":` for each sorted key, quoted as JSON.stringify quotes it. */
  readonly prefixes: readonly string[];
}

const MAX_SHAPES = 512;
const MAX_SHAPE_KEYS = 64;
const shapes = new Map<string, Shape>();

function makeShape(keys: readonly string[]): Shape {
  const sorted = [...keys].sort();
  return { keys, sorted, prefixes: sorted.map((k) => `${JSON.stringify(k)}:`) };
}

let lastShape: Shape | null = null;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function shapeOf(keys: string[]): Shape {
  // Objects of one shape mostly come in runs (the lines of a sale): try the last one first.
  if (lastShape !== null && sameKeys(lastShape.keys, keys)) return lastShape;
  lastShape = lookupShape(keys);
  return lastShape;
}

function lookupShape(keys: string[]): Shape {
  if (keys.length > MAX_SHAPE_KEYS) return makeShape(keys);
  const id = keys.join('\u0000');
  const cached = shapes.get(id);
  if (cached !== undefined) {
    return sameKeys(cached.keys, keys) ? cached : makeShape(keys);
  }
  const shape = makeShape(keys);
  if (shapes.size < MAX_SHAPES) shapes.set(id, shape);
  return shape;
}

// ---------------------------------------------------------------------------------------------

// Characters JSON.stringify writes escaped: quote, backslash, controls, and surrogates (a lone
// one is escaped as \udxxx; a pair is written as is, but the slow path handles that correctly).
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The canonical text of a string (for writers that build canonical JSON by hand). */
export function canonicalString(v: string): string {
  return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}

/** Deterministic JSON text for `value`; throws CanonicalJsonError naming the offending path. */
export function canonicalJson(value: unknown, options?: CanonicalJsonOptions): string {
  const state: State = { allowFractions: options?.allowFractions === true, open: [], steps: [] };
  return value !== null && typeof value === 'object' ? writeObject(state, value) : writePrimitive(state, value, undefined);
}

// The writer is plain module-level functions over one state object (no closures made per
// call): it runs on every sale commit.
interface State {
  readonly allowFractions: boolean;
  /** The objects being written, outermost first (to find cycles). */
  readonly open: object[];
  /** The keys and indexes that led to the object being written (to name an error's path). */
  readonly steps: (string | number)[];
}

function fail(state: State, last: string | number | undefined, message: string): never {
  let path = '$';
  for (const s of last === undefined ? state.steps : [...state.steps, last]) path += typeof s === 'number' ? `[${s}]` : `.${s}`;
  throw new CanonicalJsonError(`${path} ${message}`);
}

/** Anything but a non-null object; `last` is the key or index it sits at (undefined: the path itself). */
function writePrimitive(state: State, v: unknown, last: string | number | undefined): string {
  switch (typeof v) {
    case 'string':
      // Most strings need no escaping (no quote, backslash, control character or surrogate).
      return canonicalString(v);
    case 'number':
      if (Number.isSafeInteger(v)) return v === 0 ? '0' : String(v);
      if (!Number.isFinite(v)) return fail(state, last, `is ${v}: only finite numbers can be written`);
      // JSON.stringify writes the shortest round-trip form (RFC 8785's) and -0 as 0.
      if (state.allowFractions) return JSON.stringify(v);
      if (!Number.isInteger(v)) return fail(state, last, `is ${v}: only whole numbers are allowed here`);
      return fail(state, last, `is ${v}, beyond the exact integer range (±2^53)`);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return fail(state, last, 'is undefined');
    case 'bigint':
    case 'symbol':
    case 'function':
      return fail(state, last, `is a ${typeof v}, which JSON cannot hold`);
    default:
      // null, the only object that reaches here
      return 'null';
  }
}

/** An object or array, at the path `state.steps` names. */
function writeObject(state: State, obj: object): string {
  const open = state.open;
  // Records nest two or three deep, so a linear search of the open objects is the cheapest check.
  if (open.includes(obj)) return fail(state, undefined, 'refers back to itself (a cycle)');
  open.push(obj);
  let out: string;
  const toJSON: unknown = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    // Dates and the like: use their own JSON form, as JSON.stringify would, at the same path.
    const replaced: unknown = (toJSON as () => unknown).call(obj);
    out = replaced !== null && typeof replaced === 'object' ? writeObject(state, replaced) : writePrimitive(state, replaced, undefined);
  } else if (Array.isArray(obj)) {
    out = '[';
    for (let i = 0; i < obj.length; i++) {
      const item: unknown = obj[i];
      // A hole or undefined element: JSON.stringify would write null and hide the bug.
      if (item === undefined) return fail(state, i, 'is undefined');
      if (i > 0) out += ',';
      if (item !== null && typeof item === 'object') {
        state.steps.push(i);
        out += writeObject(state, item);
        state.steps.pop();
      } else {
        out += writePrimitive(state, item, i);
      }
    }
    out += ']';
  } else {
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      return fail(state, undefined, `is a ${describe(obj)}; only plain objects, arrays and primitives can be written`);
    }
    const record = obj as Record<string, unknown>;
    const shape = shapeOf(Object.keys(record));
    const sorted = shape.sorted;
    const prefixes = shape.prefixes;
    out = '{';
    for (let i = 0; i < sorted.length; i++) {
      const key = sorted[i] as string;
      const item = record[key];
      // Missing and undefined mean the same for an object key (as in JSON.stringify).
      if (item === undefined) continue;
      if (out.length > 1) out += ',';
      out += prefixes[i] as string;
      if (item !== null && typeof item === 'object') {
        state.steps.push(key);
        out += writeObject(state, item);
        state.steps.pop();
      } else {
        out += writePrimitive(state, item, key);
      }
    }
    out += '}';
  }
  open.pop();
  return out;
}
