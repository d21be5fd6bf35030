/** Edit distance, for "did you mean --max-connections?". */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0
      row[j] = Math.min(
        above + 1,
        (row[j - 1] ?? 0) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
      diagonal = above
    }
  }
  return row[b.length] ?? 0
}

/** The candidate nearest to `word`, or undefined when there is none. */
export function closest(
  word: string,
  candidates: readonly string[],
): string | undefined {
  return [...candidates].sort(
    (a, b) => distance(word, a) - distance(word, b),
  )[0]
}
