/**
 * Inserts `entry` after every entry of the same or a more urgent priority (lower first, as in
 * BullMQ): first in, first out within a priority. When every entry has one priority (a single
 * tenant), this is a push. The queues inside a process that serve jobs of several tenants (the
 * Postgres gate, the statement batchers, the local encoder) keep their waiters this way.
 */
export function insertByPriority<T extends { priority: number }>(list: T[], entry: T): void {
  let lo = 0;
  let hi = list.length;
  if (hi === 0 || list[hi - 1]!.priority <= entry.priority) {
    list.push(entry);
    return;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.priority <= entry.priority) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, entry);
}
