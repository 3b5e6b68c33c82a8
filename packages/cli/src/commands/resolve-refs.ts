import { MeshApiError, type MeshClient } from '@mesh/client';
import type { Approval } from '@mesh/core';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A network by id, or by its exact name when that names exactly one. */
export async function resolveNetworkId(client: MeshClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { networks } = await client.listNetworks({ limit: 200 });
  const matches = networks.filter((n) => n.name === ref);
  if (matches.length === 1 && matches[0]) return matches[0].id;
  if (matches.length > 1) {
    throw new MeshApiError(`${matches.length} networks are named "${ref}": use an id (${matches.map((n) => n.id).join(', ')})`, 409, 'ambiguous');
  }
  throw new MeshApiError(`Network ${ref} not found (neither an id nor the name of one of your networks)`, 404, 'not_found');
}

/** An agent by id, or by its type (a network has one agent per type). */
export async function resolveAgentId(client: MeshClient, networkId: string, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { agents } = await client.listAgents(networkId);
  const match = agents.find((a) => a.type === ref) ?? agents.find((a) => a.name === ref);
  if (!match) throw new MeshApiError(`Agent ${ref} not found in network ${networkId} (neither an id, a type nor a name)`, 404, 'not_found');
  return match.id;
}

/** A network to look in; `name` when it came from the tenant's list. */
export interface NetworkInScope {
  id: string;
  name: string | null;
}

/** The network `--network` names, or every network of the tenant (the API has no cross-network list). */
export async function networksInScope(client: MeshClient, ref: string | undefined): Promise<NetworkInScope[]> {
  if (ref !== undefined) return [{ id: await resolveNetworkId(client, ref), name: null }];
  const networks: NetworkInScope[] = [];
  for (let offset = 0; ; ) {
    const page = await client.listNetworks({ limit: 200, offset });
    networks.push(...page.networks.map((n) => ({ id: n.id, name: n.name })));
    offset += page.networks.length;
    if (page.networks.length === 0 || offset >= page.total) return networks;
  }
}

/** Runs `fn` over `items`, a few at a time, keeping their order. */
export async function mapFew<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, concurrency = 4): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

function isNotFound(err: unknown): boolean {
  return err instanceof MeshApiError && err.status === 404;
}

/** What `read` answers, or null for a 404 (searching several networks, most do not hold the thing). */
async function unlessNotFound<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** The most requests one list call answers. */
const API_LIST_LIMIT = 200;

export interface ApprovalQuery {
  status?: string | undefined;
  kind?: string | undefined;
  /** A task id or its first characters. */
  task?: string | undefined;
  limit: number;
}

/**
 * The requests in the networks of `scope` that fit `query`, newest first, at most `query.limit`.
 * A whole task id reads that task's requests (a network that does not hold the task has none).
 */
export async function approvalsInScope(client: MeshClient, scope: readonly NetworkInScope[], query: ApprovalQuery): Promise<Approval[]> {
  const task = query.task?.toLowerCase();
  const lists = await mapFew(scope, async (network) => {
    if (task !== undefined && UUID.test(task)) {
      const read = client.listTaskApprovals(network.id, task);
      return scope.length === 1 ? (await read).approvals : ((await unlessNotFound(read))?.approvals ?? []);
    }
    return (await client.listApprovals(network.id, { status: query.status, kind: query.kind, limit: Math.min(query.limit, API_LIST_LIMIT) })).approvals;
  });
  return lists
    .flat()
    .filter((a) => (query.status === undefined || a.status === query.status) && (query.kind === undefined || a.kind === query.kind))
    .filter((a) => task === undefined || a.task_id.startsWith(task))
    .sort((a, b) => Date.parse(b.requested_at) - Date.parse(a.requested_at))
    .slice(0, query.limit);
}

/** An approval id or its first characters (as a terminal's table shows them). */
const ID_PREFIX = /^[0-9a-f][0-9a-f-]{3,35}$/i;

/**
 * An approval by its id or the start of it, in the networks of `scope`: the network that holds it
 * and, when it had to be read to be found, the approval. A whole id with one network costs no read.
 */
export async function resolveApproval(client: MeshClient, scope: readonly NetworkInScope[], ref: string): Promise<{ networkId: string; approvalId: string; approval?: Approval }> {
  const where = scope.length === 1 ? `network ${scope[0]?.id}` : 'any of your networks';
  if (UUID.test(ref)) {
    const only = scope.length === 1 ? scope[0] : undefined;
    if (only) return { networkId: only.id, approvalId: ref };
    const found = await mapFew(scope, (network) => unlessNotFound(client.getApproval(network.id, ref)));
    const approval = found.find((a) => a !== null);
    if (approval) return { networkId: approval.network_id, approvalId: approval.id, approval };
    throw new MeshApiError(`Approval ${ref} not found in ${where}`, 404, 'not_found');
  }
  if (!ID_PREFIX.test(ref)) throw new MeshApiError(`Approval ${ref} not found: give an approval id or its first characters (at least 4)`, 404, 'not_found');
  const prefix = ref.toLowerCase();
  const matches = (await approvalsInScope(client, scope, { limit: Infinity })).filter((a) => a.id.startsWith(prefix));
  const [match] = matches;
  if (matches.length === 1 && match) return { networkId: match.network_id, approvalId: match.id, approval: match };
  if (matches.length > 1) throw new MeshApiError(`${matches.length} approvals start with ${ref}: use more of the id (${matches.map((a) => a.id).join(', ')})`, 409, 'ambiguous');
  throw new MeshApiError(`No approval starting with ${ref} among the latest ${API_LIST_LIMIT} of ${where} (the whole id finds any)`, 404, 'not_found');
}

/**
 * A budget by its id or the start of it (a terminal's table shows the first characters). A start
 * is looked up in the operators' list of every budget; only operators may delete one anyway.
 */
export async function resolveBudgetId(client: MeshClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  if (!ID_PREFIX.test(ref)) throw new MeshApiError(`Budget ${ref} not found: give a budget id or its first characters (at least 4)`, 404, 'not_found');
  const prefix = ref.toLowerCase();
  const matches = (await client.adminBudgets()).budgets.filter((b) => b.id.startsWith(prefix));
  const [match] = matches;
  if (matches.length === 1 && match) return match.id;
  if (matches.length > 1) throw new MeshApiError(`${matches.length} budgets start with ${ref}: use more of the id (${matches.map((b) => b.id).join(', ')})`, 409, 'ambiguous');
  throw new MeshApiError(`No budget starting with ${ref}`, 404, 'not_found');
}
