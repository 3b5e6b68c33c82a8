import type { AgentConfigInput } from '@mesh/core';
import type { MeshClient } from '@mesh/client';
import { intOption, jsonObjectOption, parseJson, readText, requiredString, stringOption, expectPositionals, type OptionValues } from '../args';
import { APPROVAL_OPTIONS, APPROVAL_TIMEOUT_OPTION, approvalOverridesFromOptions, approvalTimeoutFromOptions, approvalUsage } from '../approval-options';
import { EXIT, UsageError } from '../cli-errors';
import type { Command } from '../command';
import { networkDetails, networksTable } from '../render';
import { oneLine } from '../terminal-text';
import { resolveNetworkId } from './resolve-refs';

const CREATE_USAGE = `Usage: mesh networks create --name <name> [options]

Creates a network; without --agents-file it gets the five default agents
(coordinator, content, design, analytics, personalization).

Options:
  --name <name>              (required)
  --description <text>
  --max-iterations <n>       coordinator iterations at most (default 10)
  --timeout-seconds <n>      a task's time limit (default 300)
  --agents-file <file.json>  agent configs: [{"name", "type", "model", "description",
                             "parameters": {"temperature", "max_tokens"}, "capabilities": []}, …]
                             (exactly one of type "coordinator"); {"agents": […]} works too
  --shared-context <json>    a JSON object every agent sees

Where a person is asked (all off by default):
${approvalUsage(29, true)}`;

const UPDATE_USAGE = `Usage: mesh networks update <network> [options]

Changes the settings named; the others stay. Tasks already submitted keep the settings they
started with.

Options:
  --name <name>
  --description <text>
  --max-iterations <n>
  --timeout-seconds <n>
  --shared-context <json>    a JSON object every agent sees (replaces the old one)

Where a person is asked (only what is named changes):
${approvalUsage(29, true)}`;

/** The settings options shared by create and update, as the API's body fields (only those given). */
function settingsFromOptions(values: OptionValues, usage: string): Parameters<MeshClient['updateNetwork']>[1] {
  const approvals = approvalOverridesFromOptions(values, usage);
  const approvalTimeout = approvalTimeoutFromOptions(values, usage);
  const sharedContext = jsonObjectOption(values, 'shared-context', null, usage);
  return {
    ...(stringOption(values, 'description') !== undefined ? { description: stringOption(values, 'description') } : {}),
    ...optionalInt('max_iterations', intOption(values, 'max-iterations', usage)),
    ...optionalInt('timeout_seconds', intOption(values, 'timeout-seconds', usage)),
    ...(sharedContext !== undefined ? { shared_context: sharedContext } : {}),
    ...(approvals !== undefined ? { approvals } : {}),
    ...optionalInt('approval_timeout_seconds', approvalTimeout),
  };
}

const SETTINGS_OPTIONS = {
  description: { type: 'string' },
  'max-iterations': { type: 'string' },
  'timeout-seconds': { type: 'string' },
  'shared-context': { type: 'string' },
  ...APPROVAL_OPTIONS,
  ...APPROVAL_TIMEOUT_OPTION,
} as const;

function readAgentsFile(path: string): AgentConfigInput[] {
  const value = parseJson(readText(path, '--agents-file', CREATE_USAGE), `--agents-file ${path}`, CREATE_USAGE);
  const agents = Array.isArray(value) ? value : (value as { agents?: unknown } | null)?.agents;
  if (!Array.isArray(agents)) throw new UsageError(`--agents-file ${path} must hold a JSON array of agent configs (or {"agents": [...]})`, CREATE_USAGE);
  return agents as AgentConfigInput[];
}

export const networksCommands: Command[] = [
  {
    group: 'networks',
    action: 'create',
    summary: 'create a network (default or custom agents)',
    usage: CREATE_USAGE,
    options: { name: { type: 'string' }, 'agents-file': { type: 'string' }, ...SETTINGS_OPTIONS },
    async run(ctx, { positionals, values }) {
      expectPositionals(positionals, [], CREATE_USAGE);
      const agentsFile = stringOption(values, 'agents-file');
      const body = {
        name: requiredString(values, 'name', CREATE_USAGE),
        ...settingsFromOptions(values, CREATE_USAGE),
        ...(agentsFile !== undefined ? { agents: readAgentsFile(agentsFile) } : {}),
      };
      const network = await ctx.client().createNetwork(body);
      if (ctx.json) ctx.printJson(network);
      else ctx.print(`Created network ${oneLine(network.name)} (${network.id})\n\n${networkDetails(network, ctx.style, ctx.width)}`);
      return EXIT.ok;
    },
  },
  {
    group: 'networks',
    action: 'list',
    summary: 'list your networks',
    usage: `Usage: mesh networks list [--limit <n>] [--offset <n>]`,
    options: { limit: { type: 'string' }, offset: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const usage = this.usage;
      expectPositionals(positionals, [], usage);
      const list = await ctx.client().listNetworks({ limit: intOption(values, 'limit', usage), offset: intOption(values, 'offset', usage) });
      if (ctx.json) ctx.printJson(list);
      else if (list.networks.length === 0) ctx.print('No networks. Create one with: mesh networks create --name "My network"');
      else ctx.print(`${networksTable(list.networks, ctx.width)}\n\n${list.networks.length} of ${list.total} network(s)`);
      return EXIT.ok;
    },
  },
  {
    group: 'networks',
    action: 'show',
    summary: 'show a network with its agents and counts',
    usage: `Usage: mesh networks show <network>\n\n<network> is an id or a network's exact name.`,
    options: {},
    async run(ctx, { positionals }) {
      const [ref = ''] = expectPositionals(positionals, ['network'], this.usage);
      const client = ctx.client();
      const network = await client.getNetwork(await resolveNetworkId(client, ref));
      if (ctx.json) ctx.printJson(network);
      else ctx.print(networkDetails(network, ctx.style, ctx.width));
      return EXIT.ok;
    },
  },
  {
    group: 'networks',
    action: 'update',
    summary: "change a network's settings (name, limits, approvals)",
    usage: UPDATE_USAGE,
    options: { name: { type: 'string' }, ...SETTINGS_OPTIONS },
    async run(ctx, { positionals, values }) {
      const [ref = ''] = expectPositionals(positionals, ['network'], UPDATE_USAGE);
      const name = stringOption(values, 'name');
      if (name !== undefined && name.trim() === '') throw new UsageError('--name needs a name', UPDATE_USAGE);
      const changes = { ...(name !== undefined ? { name } : {}), ...settingsFromOptions(values, UPDATE_USAGE) };
      if (Object.keys(changes).length === 0) throw new UsageError('name at least one setting to change', UPDATE_USAGE);
      const client = ctx.client();
      const network = await client.updateNetwork(await resolveNetworkId(client, ref), changes);
      if (ctx.json) ctx.printJson(network);
      else ctx.print(`Updated network ${oneLine(network.name)} (${network.id})\n\n${networkDetails(network, ctx.style, ctx.width)}`);
      return EXIT.ok;
    },
  },
  {
    group: 'networks',
    action: 'delete',
    summary: 'delete a network with its agents, tasks and memory',
    usage: `Usage: mesh networks delete <network>`,
    options: {},
    async run(ctx, { positionals }) {
      const [ref = ''] = expectPositionals(positionals, ['network'], this.usage);
      const client = ctx.client();
      const id = await resolveNetworkId(client, ref);
      await client.deleteNetwork(id);
      if (ctx.json) ctx.printJson({ deleted: true, network_id: id });
      else ctx.print(`Deleted network ${id}`);
      return EXIT.ok;
    },
  },
];

function optionalInt(field: string, value: number | undefined): Record<string, number> {
  return value === undefined ? {} : { [field]: value };
}
