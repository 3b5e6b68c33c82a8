import { expectPositionals, intOption, jsonObjectOption, numberOption, requiredString, stringOption } from '../args';
import { EXIT } from '../cli-errors';
import type { Command } from '../command';
import { memoryTable } from '../render';
import { resolveNetworkId } from './resolve-refs';

const ADD_USAGE = `Usage: mesh memory add <network> --content <text> [--type fact|context|decision|feedback] [options]

Options:
  --content <text>       (required)
  --type <type>          fact (default), context, decision or feedback
  --confidence <0..1>    (default 1)
  --metadata <json>      a JSON object`;

const SEARCH_USAGE = `Usage: mesh memory search <network> [--query <text>] [--mode hybrid|semantic|keyword] [--type <type>] [--limit <n>]

Without --query: the newest items; with it: the most relevant first, by meaning and words
together (--mode hybrid, the default), by meaning alone (semantic) or by words alone (keyword).`;

export const memoryCommands: Command[] = [
  {
    group: 'memory',
    action: 'add',
    summary: "add an item to a network's shared memory",
    usage: ADD_USAGE,
    options: { content: { type: 'string' }, type: { type: 'string' }, confidence: { type: 'string' }, metadata: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const [ref = ''] = expectPositionals(positionals, ['network'], ADD_USAGE);
      const confidence = numberOption(values, 'confidence', ADD_USAGE);
      const metadata = jsonObjectOption(values, 'metadata', null, ADD_USAGE);
      const input = {
        content: requiredString(values, 'content', ADD_USAGE),
        ...(stringOption(values, 'type') !== undefined ? { memory_type: stringOption(values, 'type') } : {}),
        ...(confidence !== undefined ? { confidence } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      };
      const client = ctx.client();
      const item = await client.addMemory(await resolveNetworkId(client, ref), input);
      if (ctx.json) ctx.printJson(item);
      else ctx.print(item.deduplicated ? `Already stored: reinforced ${item.memory_type} ${item.id}` : `Stored ${item.memory_type} ${item.id}`);
      return EXIT.ok;
    },
  },
  {
    group: 'memory',
    action: 'search',
    summary: "list or search a network's shared memory",
    usage: SEARCH_USAGE,
    options: { query: { type: 'string' }, mode: { type: 'string' }, type: { type: 'string' }, limit: { type: 'string' } },
    async run(ctx, { positionals, values }) {
      const [ref = ''] = expectPositionals(positionals, ['network'], SEARCH_USAGE);
      const query = stringOption(values, 'query');
      const client = ctx.client();
      const list = await client.searchMemory(await resolveNetworkId(client, ref), {
        query,
        mode: stringOption(values, 'mode') as 'hybrid' | 'semantic' | 'keyword' | undefined,
        memory_type: stringOption(values, 'type'),
        limit: intOption(values, 'limit', SEARCH_USAGE),
      });
      if (ctx.json) ctx.printJson(list);
      else if (list.memory.length === 0) ctx.print(query ? 'No memory items match.' : 'No memory items.');
      else ctx.print(`${memoryTable(list.memory, query !== undefined, ctx.width)}\n\n${list.memory.length} of ${list.total} item(s)`);
      return EXIT.ok;
    },
  },
];
