import { expectPositionals, stringOption } from '../args';
import { EXIT, UsageError } from '../cli-errors';
import type { Command } from '../command';
import { statsDetails } from '../stats-render';
import { resolveNetworkId } from './resolve-refs';

const USAGE = `Usage: mesh stats <network> [--window <window>]

How one network did lately, per agent type and per model, with the network's totals: subtasks,
how many completed and failed, mean confidence, people's mean rating, p50/p95 duration, tokens
and cost. The coordinator plans with the same numbers (its specialists' track records).

Options:
  --window <window>    how far back from now: <n>h or <n>d, from 1h to 90d (default 7d)`;

const WINDOW = /^(\d+)([hd])$/;

/** Refused here with the command's usage, before the API would answer 400. */
function windowOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = WINDOW.exec(value);
  const hours = match ? Number(match[1]) * (match[2] === 'd' ? 24 : 1) : NaN;
  if (!(hours >= 1 && hours <= 90 * 24)) throw new UsageError(`--window takes <n>h or <n>d from 1h to 90d, e.g. 24h or 30d (got "${value}")`, USAGE);
  return value;
}

export const statsCommand: Command = {
  group: 'stats',
  action: '',
  summary: "a network's subtasks, outcomes, ratings, durations and cost per agent type and model",
  usage: USAGE,
  options: { window: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const [networkRef] = expectPositionals(positionals, ['network'], USAGE);
    const window = windowOption(stringOption(values, 'window'));
    const client = ctx.client();
    const networkId = await resolveNetworkId(client, networkRef!);
    const report = await client.networkStats(networkId, { window }, ctx.signal);
    if (ctx.json) {
      ctx.printJson(report);
      return EXIT.ok;
    }
    ctx.print(statsDetails(report, ctx.style, { networkName: networkRef === networkId ? undefined : networkRef, width: ctx.width }));
    return EXIT.ok;
  },
};
