/**
 * "Did you mean …?": the one suggestion rule for every misspelt name an editor can write —
 * attributes and segments in rules (the engine's publish-time validator, so the admin API
 * says it too), and fields, operators, slots and goals in content files (the CLI).
 *
 * A candidate is close when its edit distance (Levenshtein, case-insensitive) is at most
 * max(2, ⌊length/3⌋), or when one name is a prefix of the other ("equals" for `eq`,
 * "open-service" for `open-service-case`): that counts as distance 1. The nearest wins; on a
 * tie, the first listed. Names are bounded by their callers' inputs, and a candidate whose
 * length alone puts it out of reach is never compared, so a long name costs next to nothing.
 *
 * @example
 * closest("profile.teir", ["profile.tier", "profile.stage"]); // "profile.tier"
 * closest("equals", ["eq", "ne"]);                            // "eq"
 * closest("zzz", ["profile.tier"]);                            // undefined
 */

/** The closest candidate within reach, or undefined. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(2, Math.floor(name.length / 3)) + 1;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const cl = c.toLowerCase();
    const d = cl.length >= 2 && (lower.startsWith(cl) || cl.startsWith(lower)) ? 1 : distanceBelow(lower, cl, bestDist);
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

/** Levenshtein distance of a and b when it is below `limit`, else `limit` (lengths alone can rule it out). */
function distanceBelow(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return Math.min(row[b.length]!, limit);
}
