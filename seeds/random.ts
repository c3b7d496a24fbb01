/** A small seeded generator (mulberry32): every run of a seed script with one seed draws the same story. */
export function randomSource(seed: number) {
  let state = seed | 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];

  /** A draw among values with the given weights. */
  const weighted = <T>(entries: [T, number][]): (() => T) => {
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    return () => {
      let x = next() * total;
      for (const [value, w] of entries) if ((x -= w) < 0) return value;
      return entries[entries.length - 1][0];
    };
  };

  /** Draws indexes 0..n-1 with weights 1/(rank+1)^s. */
  const zipf = (n: number, s: number): (() => number) => {
    const cumulative = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) cumulative[i] = total += 1 / Math.pow(i + 1, s);
    return () => {
      const x = next() * total;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
  };

  return { next, int, pick, weighted, zipf };
}

export type Random = ReturnType<typeof randomSource>;
