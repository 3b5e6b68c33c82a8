import { MeshApiError, type MeshClient } from '@mesh/client';

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
