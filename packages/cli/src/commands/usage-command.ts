import { USAGE_GROUPS } from '@mesh/client';
import { choiceOption, expectPositionals, instantOption, stringOption } from '../args';
import { usageDetails } from '../budget-render';
import { EXIT } from '../cli-errors';
import type { Command } from '../command';
import { networksInScope, resolveNetworkId } from './resolve-refs';

const USAGE = `Usage: mesh usage [--from <time>] [--to <time>] [--group-by <grouping>] [--network <network>]

Your tenant's model usage in [from, to): model calls, input and output tokens, cost. Summed from
the recorded model calls, as budgets are. Default: this UTC month so far, by day.

Options:
  --from <time>            an ISO time (2026-05-01T09:00:00Z) or a UTC date (2026-05-01 is
                           its midnight); default: the start of the month of --to
  --to <time>              the same; default now
  --group-by <grouping>    ${USAGE_GROUPS.join(', ')} (default day, UTC); agent_type
                           counts planning and synthesis as coordinator, model is provider:model
  --network <network>      only this network's model calls`;

export const usageCommand: Command = {
  group: 'usage',
  action: '',
  summary: "your tenant's tokens, cost and model calls by network, agent type, model or day",
  usage: USAGE,
  options: { from: { type: 'string' }, to: { type: 'string' }, 'group-by': { type: 'string' }, network: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    expectPositionals(positionals, [], USAGE);
    const query = {
      from: instantOption(values, 'from', USAGE),
      to: instantOption(values, 'to', USAGE),
      group_by: choiceOption(values, 'group-by', USAGE_GROUPS, USAGE),
    };
    const client = ctx.client();
    const networkRef = stringOption(values, 'network');
    const networkId = networkRef === undefined ? undefined : await resolveNetworkId(client, networkRef);
    const report = await client.usage({ ...query, network_id: networkId });
    if (ctx.json) {
      ctx.printJson(report);
      return EXIT.ok;
    }
    // Names for the network ids the report holds (only the caller's own networks have any).
    const named = report.group_by === 'network' || networkId !== undefined;
    const networkNames = named ? new Map((await networksInScope(client, undefined)).map((n) => [n.id, n.name ?? n.id])) : undefined;
    ctx.print(usageDetails(report, ctx.style, { width: ctx.width, ...(networkNames ? { networkNames } : {}), ...(networkId ? { networkId } : {}) }));
    return EXIT.ok;
  },
};
