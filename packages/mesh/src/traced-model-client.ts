import { SpanKind, type Tracer } from '@opentelemetry/api';
import { inSpan } from '@mesh/observability';
import type { ModelClient, ModelRequest, ModelResponse } from './model-client';

/** Wraps the engine's model client so every call is a client span under the job that made it. */
export function traceModelCalls(model: ModelClient, tracer: Tracer): ModelClient {
  return {
    complete<T>(request: ModelRequest<T>): Promise<ModelResponse<T>> {
      const purpose = request.purpose ?? 'call';
      return inSpan(
        tracer,
        `llm ${purpose}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'mesh.llm.purpose': purpose,
            ...(request.model ? { 'gen_ai.request.model': request.model } : {}),
            ...(request.schema ? { 'mesh.llm.schema': request.schema.name } : {}),
            ...(request.context?.taskId ? { 'mesh.task_id': request.context.taskId } : {}),
            ...(request.context?.subtaskId ? { 'mesh.subtask_id': request.context.subtaskId } : {}),
          },
        },
        async (span) => {
          const response = await model.complete(request);
          span.setAttributes({
            'gen_ai.provider.name': response.provider,
            'gen_ai.response.model': response.model,
            'gen_ai.usage.input_tokens': response.usage.inputTokens,
            'gen_ai.usage.output_tokens': response.usage.outputTokens,
            'mesh.llm.cost_usd': response.costUsd,
            'mesh.llm.attempts': response.attempts.length,
            'mesh.llm.simulated': response.simulated,
          });
          return response;
        },
      );
    },
  };
}
