import type { RunListQueryInput } from '@mesh/client';

/** The Runs page's filters as the URL keeps them (`/console/runs?status=failed&q=launch&page=2`). */
export interface RunsView {
  status: string;
  networkId: string;
  agentType: string;
  /** UTC days, YYYY-MM-DD, both included; '' for no bound. */
  fromDay: string;
  toDay: string;
  minCost: string;
  maxCost: string;
  q: string;
  /** 1-based. */
  page: number;
}

export const RUNS_PAGE_SIZE = 25;

export const EMPTY_RUNS_VIEW: RunsView = { status: '', networkId: '', agentType: '', fromDay: '', toDay: '', minCost: '', maxCost: '', q: '', page: 1 };

const PARAMS: [keyof RunsView, string][] = [
  ['status', 'status'],
  ['networkId', 'network_id'],
  ['agentType', 'agent_type'],
  ['fromDay', 'from'],
  ['toDay', 'to'],
  ['minCost', 'min_cost_usd'],
  ['maxCost', 'max_cost_usd'],
  ['q', 'q'],
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function parseRunsView(search: string): RunsView {
  const params = new URLSearchParams(search);
  const view: RunsView = { ...EMPTY_RUNS_VIEW };
  for (const [field, name] of PARAMS) {
    const value = params.get(name);
    if (value !== null) (view as unknown as Record<string, string>)[field] = value;
  }
  if (view.fromDay && !DAY.test(view.fromDay)) view.fromDay = '';
  if (view.toDay && !DAY.test(view.toDay)) view.toDay = '';
  const page = Number(params.get('page') ?? '1');
  view.page = Number.isInteger(page) && page >= 1 ? page : 1;
  return view;
}

export function runsViewSearch(view: RunsView): string {
  const params = new URLSearchParams();
  for (const [field, name] of PARAMS) {
    const value = view[field];
    if (typeof value === 'string' && value !== '') params.set(name, value);
  }
  if (view.page > 1) params.set('page', String(view.page));
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** The day after a YYYY-MM-DD day, as the exclusive end of a range that includes it. */
function nextDayIso(day: string): string {
  const date = new Date(`${day}T00:00:00.000Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString();
}

/** What the page asks GET /runs for; an unusable number is left out (the field shows it as entered). */
export function runsQuery(view: RunsView): RunListQueryInput {
  const cost = (text: string) => (text.trim() !== '' && Number.isFinite(Number(text)) && Number(text) >= 0 ? Number(text) : undefined);
  return {
    status: view.status || undefined,
    network_id: view.networkId || undefined,
    agent_type: view.agentType.trim() || undefined,
    from: view.fromDay ? `${view.fromDay}T00:00:00.000Z` : undefined,
    to: view.toDay ? nextDayIso(view.toDay) : undefined,
    min_cost_usd: cost(view.minCost),
    max_cost_usd: cost(view.maxCost),
    q: view.q.trim() || undefined,
    limit: RUNS_PAGE_SIZE,
    offset: (view.page - 1) * RUNS_PAGE_SIZE,
  };
}

/** "26–50 of 73", or "No runs". */
export function pageLabel(page: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return 'No runs';
  const first = (page - 1) * RUNS_PAGE_SIZE + 1;
  return `${first}–${first + shown - 1} of ${total}`;
}
