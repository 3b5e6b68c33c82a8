import { expectPositionals, intOption, numberOption, requiredString, stringOption } from '../args';
import { EXIT } from '../cli-errors';
import type { Command } from '../command';
import { agentsTable } from '../render';
import { oneLine } from '../terminal-text';
import { resolveAgentId, resolveNetworkId } from './resolve-refs';

const ADD_USAGE = `Usage: mesh agents add <network> --name <name> --type <type> [options]

Options:
  --name <name>            (required)
  --type <type>            a lowercase slug, e.g. seo (required; one agent per type)
  --model <model>          provider:model-id or an alias (default: the deployment's chain)
  --description <text>
  --temperature <0..2>     (default 0.7)
  --max-tokens <n>         (default 4000)
  --capability <name>      repeat for several`;

export const agentsCommands: Command[] = [
  {
    group: 'agents',
    action: 'add',
    summary: 'add an agent to a network',
    usage: ADD_USAGE,
    options: {
      name: { type: 'string' },
      type: { type: 'string' },
      model: { type: 'string' },
      description: { type: 'string' },
      temperature: { type: 'string' },
      'max-tokens': { type: 'string' },
      capability: { type: 'string', multiple: true },
    },
    async run(ctx, { positionals, values }) {
      const [ref = ''] = expectPositionals(positionals, ['network'], ADD_USAGE);
      const temperature = numberOption(values, 'temperature', ADD_USAGE);
      const maxTokens = intOption(values, 'max-tokens', ADD_USAGE);
      const capabilities = values.capability;
      const agentConfig = {
        name: requiredString(values, 'name', ADD_USAGE),
        type: requiredString(values, 'type', ADD_USAGE),
        ...(stringOption(values, 'model') !== undefined ? { model: stringOption(values, 'model') } : {}),
        ...(stringOption(values, 'description') !== undefined ? { description: stringOption(values, 'description') } : {}),
        ...(temperature !== undefined || maxTokens !== undefined
          ? { parameters: { temperature: temperature ?? 0.7, max_tokens: maxTokens ?? 4000 } }
          : {}),
        ...(Array.isArray(capabilities) ? { capabilities } : {}),
      };
      const client = ctx.client();
      const networkId = await resolveNetworkId(client, ref);
      const agent = await client.addAgent(networkId, agentConfig);
      if (ctx.json) ctx.printJson(agent);
      else ctx.print(`Added agent ${oneLine(agent.name)} (${agent.type}) ${agent.id}`);
      return EXIT.ok;
    },
  },
  {
    group: 'agents',
    action: 'list',
    summary: "list a network's agents",
    usage: `Usage: mesh agents list <network>`,
    options: {},
    async run(ctx, { positionals }) {
      const [ref = ''] = expectPositionals(positionals, ['network'], this.usage);
      const client = ctx.client();
      const body = await client.listAgents(await resolveNetworkId(client, ref));
      if (ctx.json) ctx.printJson(body);
      else ctx.print(agentsTable(body.agents, ctx.width));
      return EXIT.ok;
    },
  },
  {
    group: 'agents',
    action: 'remove',
    summary: 'remove an agent (not the coordinator)',
    usage: `Usage: mesh agents remove <network> <agent>\n\n<agent> is an agent id, type or name.`,
    options: {},
    async run(ctx, { positionals }) {
      const [networkRef = '', agentRef = ''] = expectPositionals(positionals, ['network', 'agent'], this.usage);
      const client = ctx.client();
      const networkId = await resolveNetworkId(client, networkRef);
      const agentId = await resolveAgentId(client, networkId, agentRef);
      await client.removeAgent(networkId, agentId);
      if (ctx.json) ctx.printJson({ deleted: true, network_id: networkId, agent_id: agentId });
      else ctx.print(`Removed agent ${agentId}`);
      return EXIT.ok;
    },
  },
];
