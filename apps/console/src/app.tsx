import { Link } from './components/link';
import { AgentPage } from './pages/agent-page';
import { EvalRunPage, EvalsPage } from './pages/evals-page';
import { NetworkPage } from './pages/network-page';
import { NetworksPage } from './pages/networks-page';
import { TaskPage } from './pages/task-page';
import { RunsPage } from './pages/runs-page';
import { TrendsPage } from './pages/trends-page';
import { UsagePage } from './pages/usage-page';
import { paths, useRoute } from './lib/router';

export function App() {
  const route = useRoute();
  // The network, task and agent pages belong to Networks; a run's page to Evaluations.
  const section =
    route.page === 'usage' || route.page === 'runs' || route.page === 'trends' ? route.page : route.page === 'evals' || route.page === 'eval' ? 'evals' : 'networks';
  return (
    <div className="app">
      <header className="topbar">
        <Link href={paths.networks()} className="brand">
          Agent Mesh <span>console</span>
        </Link>
        <nav>
          <Link href={paths.networks()} aria-current={section === 'networks' ? 'page' : undefined}>
            Networks
          </Link>
          <Link href={paths.runs()} aria-current={section === 'runs' ? 'page' : undefined}>
            Runs
          </Link>
          <Link href={paths.trends()} aria-current={section === 'trends' ? 'page' : undefined}>
            Over time
          </Link>
          <Link href={paths.evals()} aria-current={section === 'evals' ? 'page' : undefined}>
            Evaluations
          </Link>
          <Link href={paths.usage()} aria-current={section === 'usage' ? 'page' : undefined}>
            Usage
          </Link>
          <a href="/api/mesh/health" target="_blank" rel="noreferrer">
            Health
          </a>
        </nav>
      </header>
      <main>
        {route.page === 'networks' && <NetworksPage />}
        {route.page === 'usage' && <UsagePage />}
        {route.page === 'runs' && <RunsPage />}
        {route.page === 'trends' && <TrendsPage />}
        {route.page === 'network' && <NetworkPage key={route.networkId} networkId={route.networkId} tab={route.tab} />}
        {route.page === 'task' && <TaskPage key={route.taskId} networkId={route.networkId} taskId={route.taskId} />}
        {route.page === 'agent' && <AgentPage key={route.agentId} networkId={route.networkId} agentId={route.agentId} />}
        {route.page === 'evals' && <EvalsPage />}
        {route.page === 'eval' && <EvalRunPage key={route.evalRunId} evalRunId={route.evalRunId} />}
        {route.page === 'not-found' && (
          <section className="panel">
            <h2>Not found</h2>
            <p>
              Nothing at <code>{route.path}</code>. <Link href={paths.networks()}>Back to the networks</Link>.
            </p>
          </section>
        )}
      </main>
    </div>
  );
}
