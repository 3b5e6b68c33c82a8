import type { BuiltinToolName, RegisteredTool } from '@mesh/core';
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
  registered(tenantId: string, networkId: string): Promise<RegisteredTool[]>;
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
  return {
    registered: (tenantId, networkId) => store.tools.registeredFor(tenantId, networkId),
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
