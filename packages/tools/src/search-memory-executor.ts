import { describeError, type MemoryItem, type ToolResult } from '@mesh/core';
import { SEARCH_MEMORY_LIMITS } from './builtin-tools';
import { errorResult, type ToolExecution, type ToolExecutor } from './tool-executor';

/** The network's memory search, bound to one network by the caller. */
export type SearchMemory = (query: string, limit: number) => Promise<Pick<MemoryItem, 'content' | 'memory_type' | 'confidence' | 'created_at'>[]>;

/** The built-in `search_memory`: queries the network's shared memory through the injected search. */
export class SearchMemoryExecutor implements ToolExecutor {
  constructor(private readonly search: SearchMemory) {}

  async execute(execution: ToolExecution): Promise<ToolResult> {
    const { query, limit } = execution.arguments as { query: string; limit?: number };
    try {
      const items = await this.search(query, Math.min(limit ?? SEARCH_MEMORY_LIMITS.defaultLimit, SEARCH_MEMORY_LIMITS.maxLimit));
      const data = items.map((item) => ({ content: item.content, memory_type: item.memory_type, confidence: item.confidence, created_at: item.created_at }));
      return { ok: true, content: data.length === 0 ? 'No memory item matches.' : JSON.stringify(data, null, 1), data };
    } catch (err) {
      return errorResult(`the memory search failed: ${describeError(err)}`);
    }
  }
}
