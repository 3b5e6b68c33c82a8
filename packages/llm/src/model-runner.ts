import pRetry, { AbortError } from 'p-retry';
import { ModelOutputError, ProviderError, describeError } from '@mesh/core';
import type { LlmConfig } from '@mesh/config';
import type { Logger } from '@mesh/observability';
import { abortableSleep } from './abortable-sleep';
import type { AttemptOutcome, AttemptRecord } from './attempt-record';
import { AttemptSignal } from './attempt-signal';
import type { CallScope } from './call-scope';
import type { CircuitBreaker, CircuitTransition } from './circuit-breaker';
import { countsAgainstCircuit } from './classify-provider-error';
import type { CompletionSchema } from './completion';
import { conversationText, type ConversationMessage, type StopReason, type ToolCall, type ToolChoice, type ToolDefinition } from './conversation';
import type { ResolvedModel } from './model-table';
import type { PriceTable } from './price-table';
import type { ModelProvider, ProviderAnswer, ProviderCall } from './providers/model-provider';
import { estimateTokens } from './providers/simulated-provider';
import type { RateLimiter } from './rate-limiter';
import { parseStructured } from './structured-output';

/** Everything about a request that does not change from model to model. */
export interface PreparedRequest {
  system: string;
  messages: ConversationMessage[];
  schema?: {
    source: CompletionSchema<unknown>;
    wire: NonNullable<ProviderCall['schema']>;
  };
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  temperature?: number;
  maxTokens: number;
  timeoutMs: number;
  seed: number;
  purpose?: string;
}

export interface ModelAnswer {
  text: string;
  object?: unknown;
  toolCalls?: ToolCall[];
  stopReason: StopReason;
}

function stopReasonOf(answer: ProviderAnswer): StopReason {
  if (answer.truncated) return 'max_tokens';
  return answer.toolCalls?.length ? 'tool_calls' : 'end';
}

export interface ModelRunnerDeps {
  config: LlmConfig;
  providerFor: (model: ResolvedModel) => ModelProvider;
  breaker: CircuitBreaker;
  limiter: RateLimiter;
  prices: PriceTable;
  logger: Logger;
  now: () => number;
  /** Called with each attempt as it is settled, in order. */
  onAttempt: (attempt: AttemptRecord) => void;
  onCircuitChange: (transition: CircuitTransition) => void;
}

/** How much of a refused answer its attempt keeps for inspection. */
const REJECTED_OUTPUT_CHARS = 8_000;

const REPAIR_INSTRUCTION = (problem: string) =>
  `Your previous answer could not be used: ${problem}. Answer again with only the corrected JSON value that matches the required schema, no prose and no code fences.`;

/**
 * One model of the chain: each HTTP attempt passes its circuit and the fleet-wide rate limit,
 * is cut by its timeout, retried with back-off only when retryable; an invalid structured answer
 * gets exactly one repair request. Throws when the model cannot answer, so the caller falls back.
 */
export class ModelRunner {
  constructor(private readonly deps: ModelRunnerDeps) {}

  /** `sink` receives this call's attempt records as they settle. */
  async run(model: ResolvedModel, chainPosition: number, request: PreparedRequest, scope: CallScope, sink: AttemptRecord[]): Promise<ModelAnswer> {
    const counter = { attempt: 0, sink };
    const first = await this.callWithRetries(model, chainPosition, request, request.messages, 'call', scope, counter);
    const checked = this.check(first.answer, request);
    this.settle(first.record, checked.ok ? 'success' : 'invalid_output', checked.ok ? undefined : checked.problem, sink, first.answer.text);
    if (checked.ok) return checked.value;

    this.deps.logger.warn('model answer invalid, asking for a repair', { provider: model.provider, model: model.model, problem: checked.problem });
    const repairMessages: ConversationMessage[] = [...request.messages, { role: 'assistant', content: first.answer.text }, { role: 'user', content: REPAIR_INSTRUCTION(checked.problem) }];
    const second = await this.callWithRetries(model, chainPosition, request, repairMessages, 'repair', scope, counter);
    const rechecked = this.check(second.answer, request);
    this.settle(second.record, rechecked.ok ? 'success' : 'invalid_output', rechecked.ok ? undefined : rechecked.problem, sink, second.answer.text);
    if (rechecked.ok) return rechecked.value;
    throw new ModelOutputError(`${model.ref} answered invalid output twice: ${rechecked.problem}`, { raw: second.answer.text.slice(0, 4000), details: rechecked.details });
  }

  private check(answer: ProviderAnswer, request: PreparedRequest): { ok: true; value: ModelAnswer } | { ok: false; problem: string; details: { path: string; message: string }[] } {
    const stopReason = stopReasonOf(answer);
    // A turn that calls tools is not the answer yet: the schema applies to the final turn.
    if (answer.toolCalls?.length) return { ok: true, value: { text: answer.text, toolCalls: answer.toolCalls, stopReason } };
    if (!request.schema) {
      return answer.text.trim() ? { ok: true, value: { text: answer.text, stopReason } } : { ok: false, problem: 'the answer was empty', details: [{ path: '', message: 'empty answer' }] };
    }
    const parsed = parseStructured(answer.text, request.schema.source.zod);
    if (!parsed.ok) {
      const problem = answer.truncated ? `${parsed.problem} (the answer was cut off at the token limit)` : parsed.problem;
      return { ok: false, problem, details: parsed.details };
    }
    return { ok: true, value: { text: answer.text, object: parsed.value, stopReason } };
  }

  private settle(record: AttemptRecord, outcome: AttemptOutcome, problem: string | undefined, sink: AttemptRecord[], text: string): void {
    record.outcome = outcome;
    if (outcome === 'invalid_output') {
      record.errorClass = 'invalid_output';
      if (problem) record.errorMessage = problem.slice(0, 500);
      record.rejectedOutput = text.slice(0, REJECTED_OUTPUT_CHARS);
    }
    sink.push(record);
    this.deps.onAttempt(record);
  }

  private baseRecord(model: ResolvedModel, chainPosition: number, attempt: number, kind: 'call' | 'repair', request: PreparedRequest, startedAt: number): AttemptRecord {
    return {
      provider: model.provider,
      model: model.model,
      chainPosition,
      attempt,
      kind,
      startedAt: new Date(startedAt).toISOString(),
      latencyMs: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      outcome: 'success',
      simulated: model.provider === 'simulated',
      ...(request.purpose ? { purpose: request.purpose } : {}),
    };
  }

  private failRecord(sink: AttemptRecord[], record: AttemptRecord, outcome: AttemptOutcome, error: ProviderError | { errorClass: string; message: string; httpStatus?: number }): void {
    record.outcome = outcome;
    record.errorClass = error.errorClass;
    record.errorMessage = error.message.slice(0, 500);
    if (error.httpStatus !== undefined) record.httpStatus = error.httpStatus;
    sink.push(record);
    this.deps.onAttempt(record);
  }

  /**
   * Circuit and rate-limit state live in Redis; when Redis fails, calls go on without them
   * (logged) rather than every model call failing with it.
   */
  private async safely<T>(what: string, model: ResolvedModel, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.deps.logger.warn(`could not ${what} in Redis, proceeding without it`, { provider: model.provider, model: model.model, error: describeError(err) });
      return undefined;
    }
  }

  private transition(transition: CircuitTransition | undefined): void {
    if (transition) this.deps.onCircuitChange(transition);
  }

  private backoffMs(retryNumber: number): number {
    const { retryMinMs, retryMaxMs } = this.deps.config;
    const base = Math.min(retryMaxMs, retryMinMs * 2 ** (retryNumber - 1));
    // "Equal jitter": never less than half the exponential step, so back-off still grows.
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }

  private async callWithRetries(
    model: ResolvedModel,
    chainPosition: number,
    request: PreparedRequest,
    messages: ConversationMessage[],
    kind: 'call' | 'repair',
    scope: CallScope,
    counter: { attempt: number; sink: AttemptRecord[] },
  ): Promise<{ answer: ProviderAnswer; record: AttemptRecord }> {
    const { breaker, limiter, logger, now } = this.deps;
    const provider = this.deps.providerFor(model);
    const live = model.provider !== 'simulated';
    const inputEstimate = estimateTokens(request.system + conversationText(messages) + (request.tools ? JSON.stringify(request.tools) : ''));
    const reserveTokens = inputEstimate + request.maxTokens;

    const attemptOnce = async (): Promise<{ answer: ProviderAnswer; record: AttemptRecord }> => {
      counter.attempt += 1;
      const record = this.baseRecord(model, chainPosition, counter.attempt, kind, request, now());
      let probe = false;
      if (live) {
        const gate = (await this.safely('read circuit state', model, () => breaker.acquire(model.ref))) ?? { allowed: true, state: 'closed' as const, probe: false };
        this.transition(gate.transition);
        if (!gate.allowed) {
          const error = new ProviderError(`${model.ref} circuit_open: skipped while its circuit is ${gate.state === 'open' ? 'open' : 'half-open (another process is probing)'}`, {
            provider: model.provider,
            model: model.model,
            retryable: false,
            errorClass: 'circuit_open',
          });
          this.failRecord(counter.sink, record, 'skipped', error);
          throw new AbortError(error);
        }
        probe = gate.probe;
        try {
          const waitedMs = await limiter.acquire(model.provider, model.model, reserveTokens, scope.deadlineAt, scope.signal);
          if (waitedMs > 0) record.rateLimitWaitMs = waitedMs;
        } catch (err) {
          if (probe) await this.safely('release probe', model, () => breaker.releaseProbe(model.ref));
          if (err instanceof ProviderError) {
            this.failRecord(counter.sink, record, 'skipped', err);
            throw new AbortError(err);
          }
          if (scope.signal.aborted) {
            this.failRecord(counter.sink, record, 'skipped', { errorClass: scope.deadlineExceeded ? 'deadline' : 'aborted', message: 'aborted while waiting for the rate limit' });
            throw new AbortError(err instanceof Error ? err : new Error(describeError(err)));
          }
          // Redis unreachable: a missing limiter must not stop every model call.
          logger.warn('rate limiter unavailable, proceeding without it', { provider: model.provider, error: describeError(err) });
        }
      }
      const startedAt = now();
      record.startedAt = new Date(startedAt).toISOString();
      const timeoutMs = Math.max(1, Math.min(request.timeoutMs, scope.remainingMs(startedAt)));
      const attemptSignal = new AttemptSignal(scope.signal, timeoutMs);
      try {
        const answer = await provider.call({
          model,
          system: request.system,
          messages,
          ...(request.schema ? { schema: request.schema.wire } : {}),
          ...(request.tools ? { tools: request.tools } : {}),
          ...(request.toolChoice ? { toolChoice: request.toolChoice } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          maxTokens: request.maxTokens,
          signal: attemptSignal.signal,
          timeoutMs,
          seed: request.seed + counter.attempt - 1,
          ...(request.schema ? { schemaName: request.schema.source.name } : {}),
        });
        record.latencyMs = now() - startedAt;
        record.inputTokens = answer.usage.inputTokens;
        record.outputTokens = answer.usage.outputTokens;
        record.costUsd = this.deps.prices.costOf(model.ref, answer.usage);
        if (live) {
          await this.safely('settle rate limit', model, () => limiter.settle(model.provider, reserveTokens, answer.usage.inputTokens + answer.usage.outputTokens));
          this.transition(await this.safely('record success', model, () => breaker.recordSuccess(model.ref)));
        }
        return { answer, record };
      } catch (raw) {
        record.latencyMs = now() - startedAt;
        if (!attemptSignal.timedOut && scope.signal.aborted) {
          // The caller's abort or the call's deadline: no verdict on the provider.
          if (probe) await this.safely('release probe', model, () => breaker.releaseProbe(model.ref));
          this.failRecord(counter.sink, record, 'error', { errorClass: scope.deadlineExceeded ? 'deadline' : 'aborted', message: describeError(scope.signal.reason ?? raw) });
          throw new AbortError(raw instanceof Error ? raw : new Error(describeError(raw)));
        }
        const error = attemptSignal.timedOut
          ? new ProviderError(`${model.ref} timeout: no answer within ${timeoutMs} ms`, { provider: model.provider, model: model.model, retryable: true, errorClass: 'timeout', cause: raw })
          : raw instanceof ProviderError
            ? raw
            : new ProviderError(`${model.ref} unknown: ${describeError(raw)}`, { provider: model.provider, model: model.model, retryable: false, errorClass: 'unknown', cause: raw });
        this.failRecord(counter.sink, record, 'error', error);
        if (live) {
          // The provider did not bill a failed request beyond its input, if that.
          await this.safely('settle rate limit', model, () => limiter.settle(model.provider, reserveTokens, inputEstimate));
          if (countsAgainstCircuit(error.errorClass)) this.transition(await this.safely('record failure', model, () => breaker.recordFailure(model.ref, error.errorClass)));
          // A probe answered with a request-level error (400, invalid schema…): the provider is up.
          else if (probe) this.transition(await this.safely('record success', model, () => breaker.recordSuccess(model.ref)));
        }
        if (error.errorClass === 'auth') {
          logger.error('provider rejected the API key: configuration error, check the key for this provider', { provider: model.provider, model: model.model, httpStatus: error.httpStatus });
        } else {
          logger.warn('model attempt failed', { provider: model.provider, model: model.model, attempt: record.attempt, errorClass: error.errorClass, httpStatus: error.httpStatus, retryable: error.retryable });
        }
        throw error.retryable ? error : new AbortError(error);
      } finally {
        attemptSignal.dispose();
      }
    };

    return pRetry(attemptOnce, {
      retries: this.deps.config.retries,
      // Delays are ours (retry-after or back-off with jitter), slept in shouldRetry.
      minTimeout: 0,
      maxTimeout: 0,
      signal: scope.signal,
      shouldRetry: async ({ error, retriesConsumed }) => {
        if (!(error instanceof ProviderError) || !error.retryable) return false;
        const maxWait = this.deps.config.retryMaxMs;
        if (error.retryAfterMs !== undefined && error.retryAfterMs > maxWait) {
          logger.info('retry-after longer than the longest back-off: moving to the next model', { provider: model.provider, model: model.model, retryAfterMs: error.retryAfterMs });
          return false;
        }
        const delay = error.retryAfterMs !== undefined ? error.retryAfterMs + Math.floor(Math.random() * Math.min(250, error.retryAfterMs * 0.1 + 1)) : this.backoffMs(retriesConsumed + 1);
        if (now() + delay >= scope.deadlineAt) return false;
        await abortableSleep(delay, scope.signal);
        return true;
      },
    });
  }
}
