import { expectPositionals } from '../args';
import { EXIT } from '../cli-errors';
import type { Command } from '../command';
import { formatTable } from '../table';
import { oneLine } from '../terminal-text';

export const healthCommand: Command = {
  group: 'health',
  action: '',
  summary: "the API's health: Redis, Postgres, model providers, workers",
  usage: 'Usage: mesh health',
  options: {},
  async run(ctx, { positionals }) {
    expectPositionals(positionals, [], this.usage);
    // Health needs no key, but goes through the same client (and its error handling).
    const health = await ctx.client().health();
    if (ctx.json) {
      ctx.printJson(health);
    } else {
      ctx.print(
        [
          `${ctx.style.status(health.status)}  version ${oneLine(health.version)}`,
          `redis ${health.redis_connection}, database ${health.database_connection}, models ${health.llm_client.mode}`,
          `${health.active_networks_count} networks, ${health.active_tasks_count} active tasks`,
          '',
          formatTable(
            ['KIND', 'ID', 'AGENT TYPES', 'LAST SEEN'],
            health.workers.map((w) => [w.kind, oneLine(w.id, 60), oneLine(w.agent_types.join(', ') || '-', 60), w.last_seen]),
            { maxWidth: ctx.width, flexible: [1, 2] },
          ),
        ].join('\n'),
      );
    }
    return health.status === 'down' ? EXIT.failure : EXIT.ok;
  },
};
