import type { MeshClient } from '@mesh/client';
import { expectPositionals, intOption, numberOption, requiredString, stringOption } from '../args';
import { errorMessage, EXIT } from '../cli-errors';
import type { Command, CommandContext } from '../command';
import { agentWarnings } from '../fleet-coverage';
import { agentsListing } from '../render';
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
  --capability <name>      repeat for several

When no live worker serves the type, the agent is added all the same (exit 0) and a
warning on stderr names the worker to start: until then the coordinator does not plan for it.`;

/** The agent types no live worker serves, from one health call; when health does not answer, a note says so and the listing goes on unmarked. */
async function unservedAgentTypes(ctx: CommandContext, client: MeshClient): Promise<ReadonlySet<string> | undefined> {
  try {
    // An older API does not list them.
    return new Set((await client.health()).unserved_agent_types ?? []);
  } catch (err) {
    ctx.stderr.write(`Note: cannot tell which agent types have a live worker (${errorMessage(err)})\n`);
    return undefined;
  }
}

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
      // Added all the same (exit 0): the warnings say what it still needs, e.g. a worker for its type.
      for (const warning of agentWarnings(agent)) ctx.stderr.write(`Warning: ${oneLine(warning)}\n`);
      return EXIT.ok;
    },
  },
  {
    group: 'agents',
    action: 'list',
    summary: "list a network's agents (marking types no live worker serves)",
    usage: `Usage: mesh agents list <network>\n\nA type that no live worker serves is marked (no worker), with the worker to start.`,
    options: {},
    async run(ctx, { positionals }) {
      const [ref = ''] = expectPositionals(positionals, ['network'], this.usage);
      const client = ctx.client();
      const networkId = await resolveNetworkId(client, ref);
      if (ctx.json) {
        ctx.printJson(await client.listAgents(networkId));
        return EXIT.ok;
      }
      const [body, unserved] = await Promise.all([client.listAgents(networkId), unservedAgentTypes(ctx, client)]);
      ctx.print(agentsListing(body.agents, ctx.width, unserved));
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
