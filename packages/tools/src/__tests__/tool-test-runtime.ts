import { RegisteredTool, ToolSpec, type ToolSpecInput } from '@mesh/core';
import { randomUUID } from 'node:crypto';
import { createToolDispatcher, type ToolDispatcherWiring } from '../create-tool-dispatcher';
import { deriveTools } from '../derive-tools';
import { InMemoryToolCallJournal } from '../in-memory-tool-call-journal';
import { JsonSchemaValidator } from '../json-schema-validator';
import { OutboundPolicy, type OutboundPolicyOptions } from '../outbound-policy';
import { secretResolverFromEnv } from '../secret-resolver';
import { ToolCatalog } from '../tool-catalog';

/** What a worker wires, with real parts only: the policy, ajv, the executors and the in-memory journal. */
export function toolTestRuntime(options: { policy?: OutboundPolicyOptions; env?: Record<string, string>; wiring?: Partial<ToolDispatcherWiring> } = {}) {
  const policy = new OutboundPolicy({ allowedHosts: ['127.0.0.1'], ...options.policy });
  const validator = new JsonSchemaValidator();
  const secrets = secretResolverFromEnv(options.env ?? {});
  const dispatcher = createToolDispatcher({ policy, validator, secrets, ...options.wiring });
  const journal = new InMemoryToolCallJournal();
  const deriveDeps = { policy, validator, secrets };
  const networkId = randomUUID();
  /** Parses a registration body's `tool` as the API does, derives its tools and returns the stored registration. */
  const register = async (input: ToolSpecInput): Promise<RegisteredTool> => {
    const spec = ToolSpec.parse(input);
    const { tools } = await deriveTools(spec, deriveDeps);
    return RegisteredTool.parse({ id: randomUUID(), network_id: networkId, name: spec.name, kind: spec.kind, description: spec.description ?? '', spec, tools, created_at: new Date().toISOString() });
  };
  const catalog = (registered: RegisteredTool[]) => new ToolCatalog({ registered });
  return { policy, validator, secrets, dispatcher, journal, deriveDeps, register, catalog, deps: { journal, dispatcher } };
}
