// Deterministic JSON for hashing (the journal chain) and for storage (journal payloads, line
// detail, outbox bodies). Hand-written: `canonicalize` (RFC 8785) on npm would fit, but no new
// dependency can be installed here, and our rules are stricter than RFC 8785 anyway: money
// data must hold whole numbers only, and values JSON.stringify silently changes (undefined in
// an array → null, NaN → null, a Map → {}) must be errors, not quiet data loss.
//
// Output: object keys sorted by UTF-16 code units (the RFC 8785 order, JavaScript's default
// sort), no whitespace, strings and numbers written as JSON.stringify writes them (which is
// the RFC 8785 number format). For inputs without lone surrogates the output is RFC 8785.

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

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deterministic JSON text for `value`; throws CanonicalJsonError naming the offending path. */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const allowFractions = options.allowFractions ?? false;
  const open = new Set<object>();

  const write = (v: unknown, path: string): string => {
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'number':
        if (!Number.isFinite(v)) throw new CanonicalJsonError(`${path} is ${v}: only finite numbers can be written`);
        // JSON.stringify writes the shortest round-trip form (RFC 8785's) and -0 as 0.
        if (allowFractions) return JSON.stringify(v);
        if (!Number.isInteger(v)) throw new CanonicalJsonError(`${path} is ${v}: only whole numbers are allowed here`);
        if (!Number.isSafeInteger(v)) throw new CanonicalJsonError(`${path} is ${v}, beyond the exact integer range (±2^53)`);
        return JSON.stringify(v);
      case 'undefined':
        throw new CanonicalJsonError(`${path} is undefined`);
      case 'bigint':
      case 'symbol':
      case 'function':
        throw new CanonicalJsonError(`${path} is a ${typeof v}, which JSON cannot hold`);
      case 'object':
        break;
    }
    if (v === null) return 'null';
    const obj = v as object;
    if (open.has(obj)) throw new CanonicalJsonError(`${path} refers back to itself (a cycle)`);

    const toJSON: unknown = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      // Dates and the like: use their own JSON form, as JSON.stringify would.
      open.add(obj);
      try {
        return write((toJSON as () => unknown).call(obj), path);
      } finally {
        open.delete(obj);
      }
    }

    open.add(obj);
    try {
      if (Array.isArray(obj)) {
        const parts: string[] = [];
        for (let i = 0; i < obj.length; i++) {
          // A hole or undefined element: JSON.stringify would write null and hide the bug.
          if (!(i in obj) || obj[i] === undefined) throw new CanonicalJsonError(`${path}[${i}] is undefined`);
          parts.push(write(obj[i], `${path}[${i}]`));
        }
        return `[${parts.join(',')}]`;
      }
      if (!isPlainObject(obj)) {
        throw new CanonicalJsonError(`${path} is a ${describe(obj)}; only plain objects, arrays and primitives can be written`);
      }
      const record = obj as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const item = record[key];
        // Missing and undefined mean the same for an object key (as in JSON.stringify).
        if (item === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${write(item, `${path}.${key}`)}`);
      }
      return `{${parts.join(',')}}`;
    } finally {
      open.delete(obj);
    }
  };

  return write(value, '$');
}
