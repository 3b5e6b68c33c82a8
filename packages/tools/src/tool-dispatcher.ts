import { describeError, type ToolBinding, type ToolResult } from '@mesh/core';
import { callSignal, timedOut } from './call-signal';
import type { JsonSchemaValidator } from './json-schema-validator';
import { scrubSecrets, secretValuesOf, type SecretResolver } from './secret-resolver';
import { errorResult, type CatalogTool, type ToolExecutor } from './tool-executor';

export interface ToolDispatcherOptions {
  /** One executor per kind of binding; a kind without one is reported to the model as unavailable. */
  executors: Partial<Record<ToolBinding['kind'], ToolExecutor>>;
  validator: JsonSchemaValidator;
  secrets: SecretResolver;
  /** A call's time bound when neither its tool (`timeout_ms`) nor the caller sets one. */
  timeoutMs?: number;
}

export const TOOL_DISPATCHER_DEFAULTS = { timeoutMs: 10_000 };

export interface ToolDispatch {
  tool: CatalogTool;
  /** As the model wrote them: checked against the tool's input schema here. */
  arguments: unknown;
  idempotencyKey: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  resumed?: boolean;
}

/**
 * Runs one call of any tool: checks the arguments against the input schema (invalid arguments
 * are an error result the model can correct, not a throw), picks the executor by binding,
 * bounds the call in time, turns anything thrown into an error result, and scrubs the values
 * of the registration's secrets out of whatever comes back.
 */
export class ToolDispatcher {
  private readonly timeoutMs: number;

  constructor(private readonly options: ToolDispatcherOptions) {
    this.timeoutMs = options.timeoutMs ?? TOOL_DISPATCHER_DEFAULTS.timeoutMs;
  }

  /** Why `input` is not a valid call of `tool` (a sentence the model can act on), or null when it is. */
  invalidArguments(tool: CatalogTool, input: unknown): string | null {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return `invalid arguments for ${tool.name}: they must be a JSON object`;
    const check = this.options.validator.validate(tool.input_schema, input);
    return check.ok ? null : `invalid arguments for ${tool.name}: ${check.errors.join('; ')}`;
  }

  async execute(dispatch: ToolDispatch): Promise<ToolResult> {
    const { tool } = dispatch;
    const input = dispatch.arguments;
    const invalid = this.invalidArguments(tool, input);
    if (invalid) return errorResult(invalid);
    const executor = this.options.executors[tool.binding.kind];
    if (!executor) return errorResult(`${tool.name} is not available here`);
    const spec = tool.registration?.spec;
    const timeoutMs = spec?.timeout_ms ?? dispatch.timeoutMs ?? this.timeoutMs;
    // The caller's stop and the time bound as one signal, whose timer goes with the call.
    const { signal, done } = callSignal(timeoutMs, dispatch.signal);
    let result: ToolResult;
    let onAbort: (() => void) | undefined;
    try {
      result = await Promise.race([
        executor.execute({ tool, arguments: input as Record<string, unknown>, idempotencyKey: dispatch.idempotencyKey, signal, timeoutMs, resumed: dispatch.resumed ?? false }),
        // An executor that ignores its signal still does not hold the loop.
        new Promise<ToolResult>((resolve) => {
          onAbort = () => resolve(errorResult(timedOut(signal) ? `${tool.name} did not finish within ${timeoutMs} ms` : `${tool.name} was cancelled`));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } catch (err) {
      result = errorResult(`${tool.name} failed: ${describeError(err)}`);
    } finally {
      done();
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
    return spec ? scrubSecrets(result, secretValuesOf(spec, this.options.secrets)) : result;
  }
}
