import { LruCache, type BuiltinToolName, type RegisteredTool } from '@mesh/core';
import type { Store } from '@mesh/store';
import { semanticQuery, type MemoryMeaning } from '../memory-meaning';
import { createToolDispatcher, SendEmailExecutor, toolEnvironment, type ToolCallJournal, type ToolDispatcher, type ToolSettings } from '@mesh/tools';

/** Where a subtask's tool calls belong. */
export interface ToolScope {
  tenantId: string;
  networkId: string;
  taskId: string;
}

/**
 * What the engine needs to let agents act, passed in with its other dependencies: the network's
 * registered tools, the built-ins this server offers, a dispatcher that runs calls, and the journal
 * that records them (Postgres in processes, in memory in some tests).
 */
export interface EngineTools {
  /**
   * The network's registrations, by name; with `ids` (the claim's `toolIds`), those ones, which
   * a process may keep since a registration never changes once stored.
   */
  registered(tenantId: string, networkId: string, ids?: readonly string[]): Promise<RegisteredTool[]>;
  builtins: readonly BuiltinToolName[];
  /** Runs calls for one network (search_memory searches that network's memory). */
  dispatcherFor(scope: ToolScope): ToolDispatcher;
  journalFor(scope: ToolScope): ToolCallJournal;
  /** Rounds of tool calls a subtask may make before it must answer (MESH_TOOL_MAX_ROUNDS). */
  maxRounds: number;
  /** Characters of one result the model sees (MESH_TOOL_RESULT_MAX_CHARS). */
  resultMaxChars: number;
}

/**
 * The engine's tools in a process: the store's registrations, journal and email ledger, the
 * operator's settings. search_memory ranks as the API's search does (hybrid: meaning too when
 * `meaning` is given).
 */
export function createEngineTools(store: Store, settings: ToolSettings & { maxRounds: number; resultMaxChars: number }, meaning?: MemoryMeaning): EngineTools {
  const environment = toolEnvironment(settings);
  const { smtp } = environment;
  const registrations = new RegistrationCache(store);
  return {
    registered: (tenantId, networkId, ids) => (ids ? registrations.get(tenantId, networkId, ids) : store.tools.registeredFor(tenantId, networkId)),
    builtins: environment.builtins,
    dispatcherFor: (scope) =>
      createToolDispatcher({
        policy: environment.policy,
        secrets: environment.secrets,
        validator: environment.validator,
        timeoutMs: environment.timeoutMs,
        searchMemory: async (query, limit) => {
          const semantic = meaning ? await semanticQuery(meaning, scope.tenantId, scope.networkId, query) : null;
          return (await store.memory.list(scope.tenantId, scope.networkId, { query, limit, mode: 'hybrid' }, semantic)).memory;
        },
        ...(smtp ? { sendEmail: new SendEmailExecutor({ smtpUrl: smtp.url, from: smtp.from, ledger: store.sentEmails.ledger(scope.tenantId) }) } : {}),
      }),
    journalFor: (scope) => store.toolCalls.journal(scope),
    maxRounds: settings.maxRounds,
    resultMaxChars: settings.resultMaxChars,
  };
}

/** Registrations a process has read, by tenant, network and id: each subtask with tools reads only those it has not seen. */
class RegistrationCache {
  private readonly kept = new LruCache<RegisteredTool>(REGISTRATIONS_KEPT);

  constructor(private readonly store: Store) {}

  async get(tenantId: string, networkId: string, ids: readonly string[]): Promise<RegisteredTool[]> {
    const key = (id: string) => `${tenantId}\u0000${networkId}\u0000${id}`;
    const found = new Map(ids.map((id) => [id, this.kept.get(key(id))] as const));
    const missing = ids.filter((id) => found.get(id) === undefined);
    // A registration deleted since the claim is simply not found: the subtask runs without it.
    for (const registration of missing.length > 0 ? await this.store.tools.registeredByIds(tenantId, networkId, missing) : []) {
      this.kept.set(key(registration.id), registration);
      found.set(registration.id, registration);
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }
}

/** Registrations kept per process: a few hundred networks' worth of services. */
const REGISTRATIONS_KEPT = 1_000;
