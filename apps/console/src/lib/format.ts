/** Display helpers shared by the pages. */

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) {
    const minutes = Math.floor(ms / 60_000);
    const seconds = Math.round((ms % 60_000) / 1000);
    return `${minutes} min ${seconds} s`;
  }
  // Hours and days (how long a request for a person may wait): the two largest units, zeros left out.
  const totalMinutes = Math.round(ms / 60_000);
  const twoUnits = (big: number, bigUnit: string, small: number, smallUnit: string) => (small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`);
  if (totalMinutes < 1440) return twoUnits(Math.floor(totalMinutes / 60), 'h', totalMinutes % 60, 'min');
  return twoUnits(Math.floor(totalMinutes / 1440), 'd', Math.floor((totalMinutes % 1440) / 60), 'h');
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Milliseconds between two timestamps, or null when either is missing. */
export function elapsedMs(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms : null;
}

export function formatCost(usd: number): string {
  return usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** `12,345` (tokens). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A used share as a whole percentage, never rounded up to 100 % before it is reached. */
export function formatShare(ratio: number): string {
  return `${Math.floor(ratio * 100)}%`;
}
