import { useEffect, useState } from 'react';

/** A tiny history router under the console's base path (the API serves index.html for every client route). */

export const BASE_PATH = '/console';

/** The network page's tabs, in the order they are shown; `tasks` is the page's own path. */
export const NETWORK_TABS = ['tasks', 'approvals', 'agents', 'memory', 'playground'] as const;
export type NetworkTab = (typeof NETWORK_TABS)[number];

const isNetworkTab = (value: string): value is NetworkTab => (NETWORK_TABS as readonly string[]).includes(value);

export type Route =
  | { page: 'networks' }
  | { page: 'usage' }
  | { page: 'runs' }
  | { page: 'trends' }
  | { page: 'network'; networkId: string; tab: NetworkTab }
  | { page: 'task'; networkId: string; taskId: string }
  | { page: 'agent'; networkId: string; agentId: string }
  | { page: 'evals' }
  | { page: 'eval'; evalRunId: string }
  | { page: 'not-found'; path: string };

export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(BASE_PATH) ? pathname.slice(BASE_PATH.length) : pathname;
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'networks' };
  if (parts.length === 1 && parts[0] === 'usage') return { page: 'usage' };
  if (parts.length === 1 && parts[0] === 'runs') return { page: 'runs' };
  if (parts.length === 1 && parts[0] === 'over-time') return { page: 'trends' };
  if (parts[0] === 'evaluations') {
    if (parts.length === 1) return { page: 'evals' };
    if (parts.length === 2 && parts[1]) return { page: 'eval', evalRunId: parts[1] };
  }
  if (parts[0] === 'networks' && parts[1]) {
    if (parts.length === 2) return { page: 'network', networkId: parts[1], tab: 'tasks' };
    if (parts.length === 3 && parts[2] && isNetworkTab(parts[2])) return { page: 'network', networkId: parts[1], tab: parts[2] };
    if (parts.length === 4 && parts[2] === 'tasks' && parts[3]) return { page: 'task', networkId: parts[1], taskId: parts[3] };
    if (parts.length === 4 && parts[2] === 'agents' && parts[3]) return { page: 'agent', networkId: parts[1], agentId: parts[3] };
  }
  return { page: 'not-found', path };
}

export const paths = {
  networks: () => `${BASE_PATH}/`,
  /** The tenant's usage and budgets; `search` keeps the page's choices (`?range=7d`). */
  usage: (search = '') => `${BASE_PATH}/usage${search}`,
  /** Every run of the tenant; `search` keeps the filters (`?status=failed&q=launch`). */
  runs: (search = '') => `${BASE_PATH}/runs${search}`,
  /** Throughput, latency, cost and failure rate per day and per agent type. */
  trends: () => `${BASE_PATH}/over-time`,
  network: (networkId: string, tab: NetworkTab = 'tasks') =>
    `${BASE_PATH}/networks/${encodeURIComponent(networkId)}${tab === 'tasks' ? '' : `/${tab}`}`,
  task: (networkId: string, taskId: string) => `${BASE_PATH}/networks/${encodeURIComponent(networkId)}/tasks/${encodeURIComponent(taskId)}`,
  /** One agent: its stats, lessons and the feedback on its work. */
  agent: (networkId: string, agentId: string) => `${BASE_PATH}/networks/${encodeURIComponent(networkId)}/agents/${encodeURIComponent(agentId)}`,
  /** Evaluation runs; `search` keeps a comparison (`?a=RUN&b=RUN`). */
  evals: (search = '') => `${BASE_PATH}/evaluations${search}`,
  evalRun: (evalRunId: string) => `${BASE_PATH}/evaluations/${encodeURIComponent(evalRunId)}`,
};

const NAVIGATE = 'mesh:navigate';

export function navigate(to: string): void {
  if (to === window.location.pathname) return;
  window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return route;
}
