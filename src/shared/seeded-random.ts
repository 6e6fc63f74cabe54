// mulberry32: a tiny seedable PRNG, so synthetic catalogs and simulated sales repeat exactly for
// a given seed. Not for anything secret. Hand-written: eight lines, and the npm seedable PRNGs
// add a dependency for the same eight lines.
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
