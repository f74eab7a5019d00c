// Indexed field names of the addon's argument objects (weight0, k3, ...), made once as V8's
// internalised property keys: a name built per call (a template literal) is looked up in the
// string table on every store, and the addon would look it up again on every read.

/** keys[i][prefix] === `${prefix}${i}`, for i < count. */
export function indexedKeys<P extends string>(prefixes: readonly P[], count: number): Record<P, string>[] {
  return Array.from({ length: count }, (_, i) => {
    // Object.keys hands back the internalised strings the object is keyed by (insertion order).
    const interned = Object.keys(Object.fromEntries(prefixes.map((p) => [`${p}${i}`, 0])));
    return Object.fromEntries(prefixes.map((p, j) => [p, interned[j]])) as Record<P, string>;
  });
}
