import { MeshApiError, type MeshClient } from '@mesh/client';
import type { EvalRun } from '@mesh/core';
import { expectPositionals, intOption, readText, stringOption } from '../args';
import { EXIT, UsageError } from '../cli-errors';
import type { Command, CommandContext } from '../command';
import { caseLineOf, parseCaseFile, type CaseFile } from '../eval-cases';
import { evalComparisonDetails, evalRunDetails, evalRunList } from '../eval-render';
import { resolveNetworkId } from './resolve-refs';

const RUN_USAGE = `Usage: mesh eval run <cases.jsonl> [--network <network>] [--label <label>] [--no-wait] [--timeout <seconds>]

Runs each case of the file (one JSON object per line) as a task through the mesh, then scores
its result with the case's assertions and, if it has one, its rubric (a judge model), and prints
a table: case, status, score, passed, failed assertions. A line of the file:

  {"id": "subject-line", "task": "Write the launch email for TechPro X1",
   "context": {"product_name": "TechPro X1"}, "network_id": "<uuid, optional>",
   "assertions": [{"type": "contains", "value": "TechPro X1"}, {"type": "max_length", "value": 4000}],
   "rubric": "Leads with AI code completion and ends with a call to action"}

Assertions: contains / not_contains (value, case_sensitive), regex (pattern, flags),
json_field_equals (path, value: the result, or a \`\`\`json block in it, parsed as JSON),
max_length (value). Blank lines and lines starting with # are skipped. A bad line stops
the command before anything is started, naming the line.

Options:
  --network <network>   the network of cases that name none (an id or its exact name)
  --label <label>       a name for the run (what changed), shown by list and compare
  --no-wait             print the run's id and return at once (see \`mesh eval show\`)
  --timeout <seconds>   how long to wait for the run (default 1800; exit 3 when still running)`;

const SHOW_USAGE = `Usage: mesh eval show <run>

An evaluation run's cases: status, score, passed, failed assertions (and errors).`;

const LIST_USAGE = `Usage: mesh eval list [--limit <n>]

The evaluation runs, newest first: label, status, cases scored, mean score, passed, failed.`;

const COMPARE_USAGE = `Usage: mesh eval compare <run-a> <run-b>

The cases that scored better or worse in run b than in run a (matched by case id), and the
counts of better, worse and the same.`;

const POLL_MS = 500;

/** The API's validation details with `cases.N` turned into the file's line numbers. */
function onLines(err: unknown, file: CaseFile, source: string): unknown {
  if (!(err instanceof MeshApiError) || err.status !== 400 || !Array.isArray(err.details)) return err;
  const details = (err.details as { path?: unknown; message?: unknown }[]).map((d) => ({ ...d, path: `${source} ${caseLineOf(String(d.path ?? ''), file)}` }));
  return new MeshApiError(`${err.message}; nothing was started`, err.status, err.code, details);
}

async function waitForRun(ctx: CommandContext, client: MeshClient, runId: string, timeoutMs: number): Promise<EvalRun | null> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { eval_run: run } = await client.getEval(runId, ctx.signal);
    if (run.status === 'completed') return run;
    if (Date.now() >= until) return null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, POLL_MS);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    if (ctx.signal.aborted) return null;
  }
}

function printRun(ctx: CommandContext, run: EvalRun): void {
  if (ctx.json) ctx.printJson({ eval_run: run });
  else ctx.print(evalRunDetails(run, ctx.style, ctx.width));
}

export const evalsCommands: Command[] = [
  {
    group: 'eval',
    action: 'run',
    summary: 'run a case file (JSON lines) through the mesh, score each result, print the table',
    usage: RUN_USAGE,
    options: { network: { type: 'string' }, label: { type: 'string' }, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const [path] = expectPositionals(positionals, ['cases.jsonl'], RUN_USAGE);
      const timeoutSeconds = intOption(values, 'timeout', RUN_USAGE) ?? 1800;
      if (timeoutSeconds < 1) throw new UsageError('--timeout must be at least 1 second', RUN_USAGE);
      // The whole file is checked before anything is sent.
      const file = parseCaseFile(readText(path!, 'cases file', RUN_USAGE), path!, RUN_USAGE);
      const client = ctx.client();
      const networkRef = stringOption(values, 'network');
      const networkId = networkRef === undefined ? undefined : await resolveNetworkId(client, networkRef);
      const started = await client.startEval({ label: stringOption(values, 'label'), network_id: networkId, cases: file.cases }).catch((err: unknown) => {
        throw onLines(err, file, path!);
      });
      const runId = started.eval_run.eval_run_id;
      if (values['no-wait'] === true) {
        if (ctx.json) ctx.printJson(started);
        else ctx.print(`Started eval run ${runId} (${started.eval_run.cases_total} cases). \`mesh eval show ${runId}\` shows its results.`);
        return EXIT.ok;
      }
      if (!ctx.json) ctx.stderr.write(`eval run ${runId}: ${started.eval_run.cases_total} cases running…\n`);
      const run = await waitForRun(ctx, client, runId, timeoutSeconds * 1000);
      if (!run) {
        ctx.stderr.write(`eval run ${runId} is still running; \`mesh eval show ${runId}\` shows where it is.\n`);
        return EXIT.stillRunning;
      }
      printRun(ctx, run);
      return EXIT.ok;
    },
  },
  {
    group: 'eval',
    action: 'show',
    summary: "an evaluation run's cases: status, score, passed, failed assertions",
    usage: SHOW_USAGE,
    options: {},
    async run(ctx, { positionals }) {
      const [runId] = expectPositionals(positionals, ['run'], SHOW_USAGE);
      const { eval_run: run } = await ctx.client().getEval(runId!, ctx.signal);
      printRun(ctx, run);
      return EXIT.ok;
    },
  },
  {
    group: 'eval',
    action: 'list',
    summary: 'the evaluation runs, newest first',
    usage: LIST_USAGE,
    options: { limit: { type: 'string' } },
    async run(ctx, { values }) {
      const list = await ctx.client().listEvals({ limit: intOption(values, 'limit', LIST_USAGE) }, ctx.signal);
      if (ctx.json) ctx.printJson(list);
      else ctx.print(evalRunList(list.eval_runs, ctx.style, ctx.width));
      return EXIT.ok;
    },
  },
  {
    group: 'eval',
    action: 'compare',
    summary: 'the cases that got better or worse from one evaluation run to another',
    usage: COMPARE_USAGE,
    options: {},
    async run(ctx, { positionals }) {
      const [a, b] = expectPositionals(positionals, ['run-a', 'run-b'], COMPARE_USAGE);
      const comparison = await ctx.client().compareEvals(a!, b!, ctx.signal);
      if (ctx.json) ctx.printJson(comparison);
      else ctx.print(evalComparisonDetails(comparison, ctx.style, ctx.width));
      return EXIT.ok;
    },
  },
];
