import { BUILTIN_TOOL_NAMES, ValidationError, type BuiltinToolName, type ErrorDetail, type RegisteredTool, type ToolView } from '@mesh/core';
import { BUILTIN_TOOLS } from './builtin-tools';
import type { CatalogTool } from './tool-executor';
import { wireToolNames } from './tool-names';

export interface ToolCatalogOptions {
  /** The network's registrations as stored. */
  registered: readonly Pick<RegisteredTool, 'id' | 'name' | 'spec' | 'tools'>[];
  /** Built-ins this server offers (default: all); `send_email` only when SMTP is configured. */
  builtins?: readonly BuiltinToolName[];
}

/** What a model is given for one tool. */
export interface ModelToolDefinition {
  name: string;
  /** The name on the wire (no dots); the provider adapter maps calls back with it. */
  wireName: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** A registration as `GET /networks/{id}/tools` lists it: the derived tools without their bindings. */
export function toolView(registered: RegisteredTool): ToolView {
  return {
    ...registered,
    tools: registered.tools.map(({ name, description, input_schema, side_effects, requires_approval }) => ({ name, description, input_schema, side_effects, requires_approval })),
  };
}

/**
 * A network's tools: the tools derived from its registrations plus the built-ins. Resolves an
 * agent's `tools` list (exact names and `<service>.*` patterns) to the tools it may call.
 */
export class ToolCatalog {
  private readonly byName = new Map<string, CatalogTool>();
  private readonly services = new Map<string, CatalogTool[]>();
  private readonly disabledBuiltins: Set<string>;

  constructor(options: ToolCatalogOptions) {
    const builtins = options.builtins ?? BUILTIN_TOOL_NAMES;
    this.disabledBuiltins = new Set(BUILTIN_TOOL_NAMES.filter((name) => !builtins.includes(name)));
    for (const name of builtins) this.add({ ...BUILTIN_TOOLS[name], registration: null });
    for (const registration of options.registered) {
      const tools = registration.tools.map((tool) => ({ ...tool, registration: { id: registration.id, name: registration.name, spec: registration.spec } }));
      for (const tool of tools) this.add(tool);
      if (registration.spec.kind !== 'http') this.services.set(registration.name, tools);
    }
  }

  private add(tool: CatalogTool): void {
    if (this.byName.has(tool.name)) throw new Error(`two tools of the catalog are named ${tool.name}`);
    this.byName.set(tool.name, tool);
  }

  get(name: string): CatalogTool | undefined {
    return this.byName.get(name);
  }

  list(): CatalogTool[] {
    return [...this.byName.values()];
  }

  /**
   * The tools an agent's `tools` entries name, in order, without duplicates. An entry that names
   * nothing is a 400 listing every such entry.
   */
  resolve(patterns: readonly string[], path = 'agent_config.tools'): CatalogTool[] {
    const { tools, problems } = this.resolveEach(patterns, () => path);
    if (problems.length > 0) throw new ValidationError(`Unknown tools: ${problems.map((p) => p.message).join('; ')}`, problems);
    return tools;
  }

  /**
   * Each entry on its own: the tools the entries that match name (in order, without
   * duplicates), and one problem per entry that names nothing, at `pathOf(index)`.
   */
  resolveEach(patterns: readonly string[], pathOf: (index: number) => string): { tools: CatalogTool[]; problems: ErrorDetail[] } {
    const tools = new Map<string, CatalogTool>();
    const problems: ErrorDetail[] = [];
    for (const [index, pattern] of patterns.entries()) {
      const matched = this.match(pattern);
      if (typeof matched === 'string') problems.push({ path: pathOf(index), message: matched });
      else for (const tool of matched) tools.set(tool.name, tool);
    }
    return { tools: [...tools.values()], problems };
  }

  private match(pattern: string): CatalogTool[] | string {
    if (pattern.endsWith('.*')) {
      const service = pattern.slice(0, -2);
      const tools = this.services.get(service);
      return tools && tools.length > 0 ? tools : `${pattern}: no service named ${service} is registered`;
    }
    const tool = this.byName.get(pattern);
    if (tool) return [tool];
    if (this.disabledBuiltins.has(pattern)) return `${pattern} is not enabled on this server`;
    if (this.services.has(pattern)) return `${pattern} is a service: name its tools (${pattern}.<operation>) or use ${pattern}.*`;
    return `${pattern} is not a tool of this network`;
  }

  /** The definitions to give a model for these tools, with wire names unique among them. */
  modelTools(tools: readonly CatalogTool[]): ModelToolDefinition[] {
    const wire = wireToolNames(tools.map((tool) => tool.name));
    return tools.map((tool) => ({ name: tool.name, wireName: wire.get(tool.name) ?? tool.name, description: tool.description, inputSchema: tool.input_schema }));
  }
}
