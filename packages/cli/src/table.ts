import { truncateVisible, visibleLength } from './terminal-text';

export interface TableOptions {
  /** Each line is at most this wide (a terminal's columns); unset, nothing is cut (piped output stays whole). */
  maxWidth?: number | undefined;
  /** Free-text columns (by index: names, descriptions, results) that give way first, cut with an ellipsis. */
  flexible?: readonly number[];
  /** Columns (by index: counts, amounts) padded on the left, so their digits line up. */
  rightAligned?: readonly number[];
}

/** A flexible column is not cut below this (or its header, or its widest cell when narrower). */
const MIN_FLEXIBLE_WIDTH = 8;
const GAP = 2;

/**
 * Columns padded to their widest cell; the last column is not padded. Cells must already be safe text.
 * With `maxWidth`, the widest flexible column is narrowed until the lines fit; if fixed columns (ids,
 * times) alone are too wide, each line is then cut at `maxWidth`.
 */
export function formatTable(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const { maxWidth } = options;
  if (maxWidth !== undefined) narrowToFit(widths, headers, options.flexible ?? [], maxWidth);
  const right = new Set(options.rightAligned ?? []);
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const fitted = visibleLength(cell) > width ? truncateVisible(cell, width) : cell;
        const padding = ' '.repeat(width - visibleLength(fitted));
        if (right.has(i)) return padding + fitted;
        return i === cells.length - 1 ? fitted : fitted + padding;
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  const lines = [line(headers), ...rows.map(line)];
  return (maxWidth === undefined ? lines : lines.map((l) => truncateVisible(l, maxWidth))).join('\n');
}

function narrowToFit(widths: number[], headers: string[], flexible: readonly number[], maxWidth: number): void {
  const floors = new Map(flexible.map((i) => [i, Math.min(widths[i] ?? 0, Math.max(MIN_FLEXIBLE_WIDTH, visibleLength(headers[i] ?? '')))]));
  let total = widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.length - 1);
  while (total > maxWidth) {
    let widest = -1;
    for (const [i, floor] of floors) if ((widths[i] ?? 0) > floor && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    if (widest < 0) return;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
}
