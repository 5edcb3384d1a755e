/** Finds the known claim a misspelt claim name most likely meant, for the "unknown claim" lint. */

/** Further than this many single-character edits, a name is a different claim rather than a typo. */
const MAX_EDITS = 2

/** The closest of `known` to `name` within MAX_EDITS edits, or null. Ties go to the first in `known`. */
export function suggestClaimName(name: string, known: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = MAX_EDITS + 1
  for (const candidate of known) {
    if (Math.abs(candidate.length - name.length) > MAX_EDITS) continue
    const distance = measureEditDistance(name, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Levenshtein distance over UTF-16 units (claim names are ASCII in practice), two rows of memory. */
function measureEditDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}
