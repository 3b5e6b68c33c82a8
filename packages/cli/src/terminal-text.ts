/** Text for a terminal: what the API returns may come from a model, so control sequences are removed. */

/**
 * Removes escape sequences and other control characters (keeps newlines and tabs): model output
 * printed raw could move the cursor, rewrite earlier lines or set the window title.
 */
export function safeText(text: string): string {
  return text
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)?/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

/** Like safeText, on one line: newlines and tabs become spaces. */
export function oneLine(text: string, maxLength = Infinity): string {
  const flat = safeText(text).replace(/\s+/g, ' ').trim();
  return flat.length > maxLength ? `${flat.slice(0, Math.max(1, maxLength - 1))}…` : flat;
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  status(status: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

const STATUS_COLOURS: Record<string, number> = {
  pending: 90,
  queued: 36,
  in_progress: 33,
  running: 33,
  completed: 32,
  failed: 31,
  skipped: 90,
  timed_out: 35,
  cancelled: 90,
  // A person is asked (task, subtask, tool call), and what they decided.
  awaiting_approval: 95,
  approved: 32,
  answered: 32,
  rejected: 31,
  expired: 90,
  ok: 32,
  degraded: 33,
  down: 31,
  // How much of a budget is used.
  warning: 33,
  exhausted: 31,
};

export const plainStyle: Style = { bold: (s) => s, dim: (s) => s, status: (s) => s };

export const colourStyle: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  status: (s) => wrap(STATUS_COLOURS[s] ?? 39, 39)(s),
};

/** Visible width: escape sequences take no room. */
export function visibleLength(text: string): number {
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** The first `max` visible characters; colour sequences are kept and a cut line resets colours. */
export function truncateVisible(text: string, max: number): string {
  if (visibleLength(text) <= max) return text;
  let out = '';
  let visible = 0;
  for (let i = 0; i < text.length && visible < max - 1; ) {
    const sequence = /^\x1b\[[0-9;]*m/.exec(text.slice(i));
    if (sequence) {
      out += sequence[0];
      i += sequence[0].length;
      continue;
    }
    out += text[i];
    visible++;
    i++;
  }
  return `${out}…${text.includes('\x1b[') ? '\x1b[0m' : ''}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A coarse span for ages and deadlines: `45 s`, `12 min`, `5 h`, `3 d`. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** `5 min ago` (`at` before `nowMs`) or `in 3 h` (after). */
export function formatRelative(at: string, nowMs: number): string {
  const ms = Date.parse(at) - nowMs;
  if (!Number.isFinite(ms)) return '-';
  return ms > 0 ? `in ${formatSpan(ms)}` : `${formatSpan(-ms)} ago`;
}
