import { AgentWorkerPool, createRuntime, startCoordinatorWorker, type Runtime } from '@mesh/host';
import { agentJobHandlers, coordinatorJobs, createEngine, meshSimulatedResponders } from '@mesh/mesh';
import { nullLogger, startOpsServer, type OpsServer } from '@mesh/observability';
import type { Worker } from 'bullmq';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { KEY_A, SEED, startApiHarness, type ApiHarness } from './api-harness';

/*
 * The naming rules `promtool check metrics` applies (Prometheus 2.42's promlint), checked here so
 * that they hold on every machine, promtool installed or not (promtool 2.42 was run by hand on both scrapes and agrees). One line per problem, as promtool
 * prints them: `<family> <problem>`.
 */
const UNIT_ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];
/** Unit → its base unit (a base unit maps to itself). */
const UNITS: Record<string, string> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
};
const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi'];
const CAMEL_CASE = /[a-z][A-Z]/;
const NO_TYPE = 'no # TYPE line';

interface MetricFamily {
  type?: string;
  help?: string;
  labelNames: Set<string>;
}

/** The families of exposition text by name, with the label names their samples use. */
function familiesOf(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const family = (name: string) => families.get(name) ?? families.set(name, { labelNames: new Set() }).get(name)!;
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'HELP') family(meta[2]!).help = meta[3];
      else family(meta[2]!).type = meta[3];
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!sample) continue;
    const name = sample[1]!;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    // A sample of no declared family is a family of its own, untyped and without help.
    const owner = ['histogram', 'summary'].includes(families.get(base)?.type ?? '') ? families.get(base)! : family(name);
    for (const [, label] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) {
      // A histogram's buckets carry `le`, a summary's quantiles `quantile`: the format's own labels.
      if ((owner.type === 'histogram' && label === 'le' && name.endsWith('_bucket')) || (owner.type === 'summary' && label === 'quantile')) continue;
      owner.labelNames.add(label!);
    }
  }
  return families;
}

function namingProblems(text: string): string[] {
  // promtool cannot parse the rest without it.
  const problems: string[] = text === '' || text.endsWith('\n') ? [] : ['text format parsing error: no newline at the end'];
  for (const [name, { type, help, labelNames }] of familiesOf(text)) {
    const problem = (message: string) => problems.push(`${name} ${message}`);
    if (help === undefined) problem('no help text');
    // Stricter than promtool, which takes such a family as untyped: without a type the rules above cannot hold.
    if (type === undefined) problem(NO_TYPE);
    if (type === 'counter' && !name.endsWith('_total')) problem('counter metrics should have "_total" suffix');
    if (type !== 'counter' && name.endsWith('_total')) problem('non-counter metrics should not have "_total" suffix');
    if (type !== 'histogram' && name.endsWith('_bucket')) problem('non-histogram metrics should not have "_bucket" suffix');
    if (type !== 'histogram' && type !== 'summary' && /_(count|sum)$/.test(name)) problem(`non-histogram and non-summary metrics should not have "_${name.endsWith('_count') ? 'count' : 'sum'}" suffix`);
    if (type !== 'histogram' && labelNames.has('le')) problem('non-histogram metrics should not have "le" label');
    if (type !== 'summary' && labelNames.has('quantile')) problem('non-summary metrics should not have "quantile" label');
    if (type !== undefined && type !== 'untyped' && (name.includes(`_${type}_`) || name.endsWith(`_${type}`))) problem(`metric name should not include type '${type}'`);
    if (name.includes(':')) problem("metric names should not contain ':'");
    if (CAMEL_CASE.test(name)) problem("metric names should be written in 'snake_case' not 'camelCase'");
    if ([...labelNames].some((label) => CAMEL_CASE.test(label))) problem("label names should be written in 'snake_case' not 'camelCase'");
    if (UNIT_ABBREVIATIONS.some((unit) => name.toLowerCase().includes(`_${unit}_`) || name.toLowerCase().endsWith(`_${unit}`))) problem('metric names should not contain abbreviated units');
    for (const token of name.split('_')) {
      const unit = UNITS[token] !== undefined ? token : UNIT_PREFIXES.map((prefix) => (token.startsWith(prefix) ? token.slice(prefix.length) : '')).find((rest) => UNITS[rest] !== undefined);
      if (unit === undefined) continue;
      if (token !== UNITS[unit]) problem(`use base unit "${UNITS[unit]}" instead of "${token}"`);
      break;
    }
  }
  return problems;
}

/** Exposition text that breaks each rule (most of them once). */
const BAD_TEXT = [
  '# HELP jobs_done Jobs done',
  '# TYPE jobs_done counter',
  'jobs_done 1',
  '# HELP queue_size_total Jobs waiting',
  '# TYPE queue_size_total gauge',
  'queue_size_total{queueName="a"} 2',
  '# TYPE wait_milliseconds histogram',
  'wait_milliseconds_bucket{le="+Inf"} 1',
  'wait_milliseconds_sum 3',
  'wait_milliseconds_count 1',
  '# HELP req_latency_ms Latency',
  '# TYPE req_latency_ms gauge',
  'req_latency_ms{le="1"} 1',
  '# HELP fleet_count Workers',
  '# TYPE fleet_count gauge',
  'fleet_count 4',
  '# HELP cpu_gauge CPU',
  '# TYPE cpu_gauge gauge',
  'cpu_gauge 1',
  'stray_series 1',
].join('\n') + '\n';

describe('the checker', () => {
  it('finds each rule BAD_TEXT breaks (promtool 2.42 reports the same lines)', () => {
    expect(namingProblems(BAD_TEXT).sort()).toEqual(
      [
        'stray_series no help text',
        'stray_series no # TYPE line',
        'jobs_done counter metrics should have "_total" suffix',
        'queue_size_total non-counter metrics should not have "_total" suffix',
        "queue_size_total label names should be written in 'snake_case' not 'camelCase'",
        'wait_milliseconds no help text',
        'wait_milliseconds use base unit "seconds" instead of "milliseconds"',
        'req_latency_ms non-histogram metrics should not have "le" label',
        'req_latency_ms metric names should not contain abbreviated units',
        'fleet_count non-histogram and non-summary metrics should not have "_count" suffix',
        "cpu_gauge metric name should not include type 'gauge'",
      ].sort(),
    );
  });

  it('refuses text without its final newline, as promtool does', () => {
    expect(namingProblems(BAD_TEXT.trimEnd())).toContain('text format parsing error: no newline at the end');
  });

  it("flags prom-client's default metrics as promtool does: three gauges named _total", async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'mesh_' });
    expect(namingProblems(await registry.metrics()).sort()).toEqual([
      'mesh_nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
      'mesh_nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
      'mesh_nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
    ]);
  });
});

describe('every series the API and a worker expose', () => {
  let h: ApiHarness;
  let runtime: Runtime;
  let coordinator: Worker;
  let pool: AgentWorkerPool;
  let ops: OpsServer;
  const scrapes: Record<'api' | 'worker', string> = { api: '', worker: '' };

  beforeAll(async () => {
    h = await startApiHarness('metric-names');
    runtime = await createRuntime(h.t.config, { service: 'worker', logger: nullLogger, responders: meshSimulatedResponders });
    const engine = await createEngine(runtime);
    coordinator = startCoordinatorWorker(runtime, coordinatorJobs(engine));
    pool = new AgentWorkerPool(runtime, { agents: 'all', concurrency: 5, handlers: agentJobHandlers(engine) });
    await pool.start();
    await coordinator.waitUntilReady();
    // The worker's METRICS_PORT server, as run-process starts it.
    ops = await startOpsServer({ port: 0, host: '127.0.0.1', metrics: runtime.metrics, isReady: () => true, logger: nullLogger });
    // A task run first, so that labelled counters and histograms have samples to scrape.
    const network = await h.call('POST', '/networks', { json: SEED.network });
    const submitted = await h.call('POST', `/networks/${network.body.id}/tasks?wait=20`, { json: { ...SEED.task, process: true } });
    expect(submitted.body.status).toBe('completed');
    const scrape = async (url: string, headers: Record<string, string> = {}) => {
      const res = await fetch(url, { headers });
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
      return res.text();
    };
    scrapes.api = await scrape(`${h.url}/metrics`, { authorization: `Bearer ${KEY_A}` });
    scrapes.worker = await scrape(`${ops.url}/metrics`);
  });
  afterAll(async () => {
    await ops?.close();
    await pool?.close();
    await coordinator?.close();
    await runtime?.close();
    await h?.close();
  });

  it.each(['api', 'worker'] as const)('%s: named by Prometheus conventions (types, suffixes, base units, help)', (source) => {
    const text = scrapes[source];
    expect(text).toContain('# TYPE mesh_tasks_total counter');
    expect(text).toContain('# TYPE mesh_http_request_duration_seconds histogram');
    expect(namingProblems(text)).toEqual([]);
    // The per-type gauges stay; their sums were the gauges named `_total`.
    for (const name of ['mesh_nodejs_active_handles', 'mesh_nodejs_active_requests', 'mesh_nodejs_active_resources']) {
      expect(text).toContain(`# TYPE ${name} gauge`);
      expect(text).not.toContain(`${name}_total`);
    }
  });

  it('has samples to check in the series a task moves', () => {
    expect(scrapes.api).toMatch(/^mesh_queue_jobs\{/m);
    expect(scrapes.worker).toMatch(/^mesh_subtask_duration_seconds_bucket\{/m);
    expect(scrapes.worker).toMatch(/^mesh_llm_tokens_total\{/m);
  });
});
