/**
 * Levenshtein distance, for "did you mean" suggestions. With `max`, stops early and returns
 * `max + 1` once the distance is known to exceed `max`, which keeps a file with thousands of
 * unknown names fast to check.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  const previous = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    let rowMinimum = i;
    const code = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      let distance = diagonal + (code === b.charCodeAt(j - 1) ? 0 : 1);
      if (above + 1 < distance) distance = above + 1;
      if (previous[j - 1] + 1 < distance) distance = previous[j - 1] + 1;
      previous[j] = distance;
      diagonal = above;
      if (distance < rowMinimum) rowMinimum = distance;
    }
    if (rowMinimum > max) return max + 1;
  }
  return Math.min(previous[b.length], max + 1);
}

/**
 * Suggests the nearest of a fixed set of names, comparing without regard to case. Each distinct
 * value is looked up once, because a renamed group is often referenced by many grants.
 */
/** Distinct values one suggester looks up before it stops suggesting. */
export const MAX_DISTINCT_LOOKUPS = 1000;

export class NameSuggester {
  private readonly names: readonly string[];
  private readonly lowerNames: readonly string[];
  private readonly cache = new Map<string, string | undefined>();

  constructor(names: Iterable<string>) {
    this.names = [...names];
    this.lowerNames = this.names.map((name) => name.toLowerCase());
  }

  /** Returns the name closest to `value`, if it is close enough to be a likely typo. */
  nearest(value: string): string | undefined {
    if (this.cache.has(value)) return this.cache.get(value);
    // Each lookup compares with every name, so a file with thousands of distinct unknown names
    // would take minutes (4,000 took about 27 s). Past this many, the errors come without a hint.
    if (this.cache.size >= MAX_DISTINCT_LOOKUPS) return undefined;
    const lower = value.toLowerCase();
    // At most a third of the characters may differ, and at least two may.
    let bestDistance = Math.max(2, Math.floor(value.length / 3)) + 1;
    let best: string | undefined;
    for (let i = 0; i < this.names.length; i++) {
      const candidate = this.lowerNames[i];
      // The distance is at least the difference in length, so most names need no comparison.
      if (Math.abs(candidate.length - lower.length) >= bestDistance) continue;
      const distance = editDistance(lower, candidate, bestDistance - 1);
      if (distance < bestDistance) {
        best = this.names[i];
        bestDistance = distance;
      }
    }
    this.cache.set(value, best);
    return best;
  }

  /** Returns a " Did you mean ...?" suffix, or "" when no name is close. */
  suggestion(value: string): string {
    const match = this.nearest(value);
    return match === undefined ? "" : ` Did you mean "${match}"?`;
  }
}

/** Returns the candidate closest to `value`, if it is close enough to be a likely typo. */
export function nearest(value: string, candidates: Iterable<string>): string | undefined {
  return new NameSuggester(candidates).nearest(value);
}

/** Returns a " Did you mean ...?" suffix, or "" when no candidate is close. */
export function suggestion(value: string, candidates: Iterable<string>): string {
  return new NameSuggester(candidates).suggestion(value);
}
