import { BUDGET_PERIODS, type MeshClient } from '@mesh/client';
import type { Budget } from '@mesh/core';
import { choiceOption, expectPositionals, intOption, numberOption, requiredString, stringOption } from '../args';
import { budgetsNote, budgetsTable, type NetworkNames } from '../budget-render';
import { EXIT, UsageError } from '../cli-errors';
import type { Command } from '../command';
import { networksInScope, resolveBudgetId, resolveNetworkId } from './resolve-refs';

const OPERATORS = "Operators only: keys of a tenant in the API's MESH_ADMIN_TENANTS (others get 403).";

const LIST_USAGE = `Usage: mesh budgets [--tenant <id> | --all]
       mesh budgets set --tenant <id> --period day|month [--tokens <n>] [--cost <usd>] [--network <network>]
       mesh budgets delete <budget>

Your tenant's token and cost budgets (the tenant's own and its networks'), each with what its
current UTC day or month has used. From 80 % a running task is told (budget.warning); at 100 %
new tasks are refused (402 budget_exhausted) and running ones stop before their next model call.

Options (operators only, as set and delete: keys of a tenant in the API's MESH_ADMIN_TENANTS):
  --tenant <id>            that tenant's budgets
  --all                    every tenant's budgets`;

const SET_USAGE = `Usage: mesh budgets set --tenant <id> --period day|month [--tokens <n>] [--cost <usd>] [--network <network>]

Sets the budget of a tenant, or of one of its networks, per UTC day or month, replacing the one
of that scope and period. Give --tokens, --cost or both.
${OPERATORS}

Options:
  --tenant <id>            (required) the tenant, as its API keys name it
  --period day|month       (required)
  --tokens <n>             input plus output tokens per period
  --cost <usd>             model cost per period, in US dollars
  --network <network>      only this network of the tenant (its id; the exact name works
                           for your own networks)`;

const DELETE_USAGE = `Usage: mesh budgets delete <budget>

Removes a budget: its id, or its first characters (at least 4) as a terminal's
\`mesh budgets\` shows them.
${OPERATORS}`;

/** The caller's network names, when some budget is of a network (others' networks stay ids). */
async function networkNamesFor(client: MeshClient, budgets: readonly Budget[]): Promise<NetworkNames> {
  if (!budgets.some((b) => b.network_id !== null)) return new Map();
  return new Map((await networksInScope(client, undefined)).map((n) => [n.id, n.name ?? n.id]));
}

function positive(value: number | undefined, option: string, what: string): number | undefined {
  if (value !== undefined && !(value > 0)) throw new UsageError(`--${option} takes ${what} above 0`, SET_USAGE);
  return value;
}

export const budgetsCommands: Command[] = [
  {
    group: 'budgets',
    action: '',
    summary: "your tenant's token and cost budgets, with what each has used",
    usage: LIST_USAGE,
    options: { tenant: { type: 'string' }, all: { type: 'boolean' } },
    async run(ctx, { positionals, values }) {
      expectPositionals(positionals, [], LIST_USAGE);
      const tenant = stringOption(values, 'tenant');
      const all = values.all === true;
      if (tenant !== undefined && all) throw new UsageError('use --tenant or --all, not both', LIST_USAGE);
      const client = ctx.client();
      const operator = tenant !== undefined || all;
      const { budgets } = operator ? await client.adminBudgets(tenant) : await client.budgets();
      if (ctx.json) ctx.printJson({ budgets });
      else if (budgets.length === 0) ctx.print(operator ? 'No budgets.' : "No budgets: your tenant's model use is not limited.");
      else {
        const table = budgetsTable(budgets, ctx.style, { width: ctx.width, networkNames: await networkNamesFor(client, budgets), withTenant: operator });
        ctx.print([table, ...budgetsNote(budgets).map((line) => `\n${line}`)].join('\n'));
      }
      return EXIT.ok;
    },
  },
  {
    group: 'budgets',
    action: 'set',
    summary: "operators: set a tenant's or a network's daily or monthly budget",
    usage: SET_USAGE,
    options: { tenant: { type: 'string' }, network: { type: 'string' }, period: { type: 'string' }, tokens: { type: 'string' }, cost: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      expectPositionals(positionals, [], SET_USAGE);
      const tenantId = requiredString(values, 'tenant', SET_USAGE);
      const period = choiceOption(values, 'period', BUDGET_PERIODS, SET_USAGE);
      if (period === undefined) throw new UsageError('--period is required', SET_USAGE);
      const maxTokens = positive(intOption(values, 'tokens', SET_USAGE), 'tokens', 'a number of tokens');
      const maxCost = positive(numberOption(values, 'cost', SET_USAGE), 'cost', 'an amount');
      if (maxTokens === undefined && maxCost === undefined) throw new UsageError('give --tokens, --cost or both', SET_USAGE);
      const client = ctx.client();
      const networkRef = stringOption(values, 'network');
      const budget = await client.putBudget({
        tenant_id: tenantId,
        period,
        ...(networkRef !== undefined ? { network_id: await resolveNetworkId(client, networkRef) } : {}),
        ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
        ...(maxCost !== undefined ? { max_cost_usd: maxCost } : {}),
      });
      if (ctx.json) ctx.printJson(budget);
      else ctx.print(`Set budget ${budget.id}\n\n${budgetsTable([budget], ctx.style, { width: ctx.width, networkNames: await networkNamesFor(client, [budget]), withTenant: true })}`);
      return EXIT.ok;
    },
  },
  {
    group: 'budgets',
    action: 'delete',
    summary: 'operators: remove a budget',
    usage: DELETE_USAGE,
    options: {},
    async run(ctx, { positionals }) {
      const [ref = ''] = expectPositionals(positionals, ['budget'], DELETE_USAGE);
      const client = ctx.client();
      const budgetId = await resolveBudgetId(client, ref);
      await client.deleteBudget(budgetId);
      if (ctx.json) ctx.printJson({ deleted: true, budget_id: budgetId });
      else ctx.print(`Deleted budget ${budgetId}`);
      return EXIT.ok;
    },
  },
];
