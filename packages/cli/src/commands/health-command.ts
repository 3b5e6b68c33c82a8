import { expectPositionals } from '../args';
import { EXIT } from '../cli-errors';
import type { Command } from '../command';
import { healthDetails } from '../render';

export const healthCommand: Command = {
  group: 'health',
  action: '',
  summary: "the API's health: Redis, Postgres, model providers, workers, agent types no worker serves",
  usage: 'Usage: mesh health',
  options: {},
  async run(ctx, { positionals }) {
    expectPositionals(positionals, [], this.usage);
    // Health needs no key, but goes through the same client (and its error handling).
    const health = await ctx.client().health();
    if (ctx.json) ctx.printJson(health);
    else ctx.print(healthDetails(health, ctx.style, ctx.width));
    return health.status === 'down' ? EXIT.failure : EXIT.ok;
  },
};
