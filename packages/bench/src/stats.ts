/** Pure statistics used by every scenario (tested in stats.test.ts). */

export interface Distribution {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * The p-th percentile (0–100) of ascending `sorted`, interpolating linearly between the two
 * nearest ranks (the "R-7" definition spreadsheets use). NaN for an empty list.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 100) return sorted[sorted.length - 1]!;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const lo = sorted[lower]!;
  const hi = sorted[upper]!;
  return lo + (hi - lo) * (rank - lower);
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/**
 * Completions per second over the whole run: every completion, divided by the time from the
 * first submission to the last completion. NaN when nothing completed.
 */
export function overallRate(firstStartMs: number, completionTimesMs: readonly number[]): number {
  if (completionTimesMs.length === 0) return Number.NaN;
  const last = Math.max(...completionTimesMs);
  const seconds = (last - firstStartMs) / 1000;
  return seconds > 0 ? completionTimesMs.length / seconds : Number.NaN;
}

/**
 * The steady-state completion rate: completions per second over the middle `fraction` of the
 * completions (the ramp-up at the start and the drain at the end are left out). With
 * completions c_a … c_b in the window, the rate is (b − a) / (t_b − t_a): intervals, not points.
 */
export function steadyStateRate(completionTimesMs: readonly number[], fraction = 0.8): number {
  const sorted = [...completionTimesMs].sort((a, b) => a - b);
  if (sorted.length < 3) return Number.NaN;
  const trim = Math.floor((sorted.length * (1 - fraction)) / 2);
  const first = trim;
  const last = sorted.length - 1 - trim;
  if (last <= first) return Number.NaN;
  const seconds = (sorted[last]! - sorted[first]!) / 1000;
  return seconds > 0 ? (last - first) / seconds : Number.NaN;
}

export interface Sample {
  atMs: number;
  value: number;
}

/**
 * The highest level held for a whole window: for every window of `windowMs` starting at a
 * sample, the minimum over the samples inside it and the first sample at or after its end (the
 * level may have changed any time before that one); the answer is the largest of those
 * minimums. A single spike does not count as sustained. 0 when no window is covered.
 */
export function sustainedPeak(samples: readonly Sample[], windowMs: number): number {
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs);
  let best = 0;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!.atMs;
    let min = Number.POSITIVE_INFINITY;
    let covered = false;
    for (let j = i; j < sorted.length; j++) {
      const s = sorted[j]!;
      min = Math.min(min, s.value);
      if (s.atMs - start >= windowMs) {
        covered = true;
        break;
      }
    }
    if (covered && min > best) best = min;
  }
  return best;
}

/** `value` rounded to `digits` decimals (for tables and JSON). */
export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Completion rate in `parts` consecutive slices with the same number of completions each: a
 * falling sequence means the system slows down as the run goes on.
 */
export function ratesBySlice(completionTimesMs: readonly number[], parts = 5): number[] {
  const sorted = [...completionTimesMs].sort((a, b) => a - b);
  const size = Math.floor(sorted.length / parts);
  if (size < 2) return [];
  const rates: number[] = [];
  for (let p = 0; p < parts; p++) {
    const first = sorted[p * size]!;
    const last = sorted[(p + 1) * size - 1]!;
    rates.push(last > first ? ((size - 1) * 1000) / (last - first) : Number.NaN);
  }
  return rates;
}
