import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterThisTurn, ProviderError, describeError } from '@mesh/core';
import { ConfigError, type LlmConfig } from '@mesh/config';
import { nullLogger, type Logger } from '@mesh/observability';
import { AllModelsFailedError } from './all-models-failed-error';
import type { AttemptRecord, LlmCallRecorder, RecordedCall } from './attempt-record';
import { CallScope } from './call-scope';
import { CircuitBreaker, type CircuitState, type CircuitTransition } from './circuit-breaker';
import type { CompletionRequest, CompletionResponse, CompletionSchema } from './completion';
import { assertValidTools, attachmentsOf, withoutAttachmentBytes } from './conversation';
import { modalityOf, type InputModality } from './input-modality';
import { LlmAbortError } from './llm-abort-error';
import { buildModelChain, isProviderConfigured, LIVE_PROVIDERS, missingModality, type ResolvedModel } from './model-table';
import { ModelRunner, type PreparedRequest } from './model-runner';
import { PriceTable } from './price-table';
import { AnthropicProvider } from './providers/anthropic-provider';
import { GoogleProvider } from './providers/google-provider';
import type { ModelProvider } from './providers/model-provider';
import { OpenAIProvider } from './providers/openai-provider';
import { SimulatedProvider, type SimulatedResponder } from './providers/simulated-provider';
import { RateLimiter } from './rate-limiter';
import { seedFrom } from './simulated/seeded-random';
import { schemaToolName, toProviderJsonSchema, type ProviderJsonSchema } from './structured-output';
import { UnsupportedModalityError } from './unsupported-modality-error';

export interface CircuitChange extends CircuitTransition {
  provider: string;
  model: string;
}

/** A model of the chain left out of a call because it cannot read one of the request's attachments. */
export interface ModelSkip {
  provider: string;
  model: string;
  /** The first of the request's modalities the model does not read. */
  modality: InputModality;
}

export interface LlmClientOptions {
  config: LlmConfig;
  /** Shared ioredis instance for circuit and rate-limit state; never quit by the client. */
  redis: Redis;
  /** Every Redis key the client creates starts with `${keyPrefix}:llm:`. */
  keyPrefix: string;
  logger?: Logger;
  /** Persists each call's attempts (the store implements it over llm_calls). */
  recorder?: LlmCallRecorder;
  /** Metrics hook, called as each attempt settles. */
  onAttempt?: (attempt: AttemptRecord) => void;
  /** Metrics/log hook for circuit transitions this process caused. */
  onCircuitChange?: (change: CircuitChange) => void;
  /** Metrics hook for models skipped because they cannot read the request's attachments. */
  onModelSkipped?: (skip: ModelSkip) => void;
  /** Simulated provider: domain answers by schema name. */
  responders?: Record<string, SimulatedResponder>;
  now?: () => number;
}

export interface ProviderHealth {
  configured: boolean;
  /** The worst state among the provider's models in use (open > half_open > closed). */
  circuit: CircuitState;
  /** Per `provider:model` of the default chain and of every model this process used. */
  models: Record<string, CircuitState>;
}

export interface LlmHealth {
  mode: 'live' | 'simulated';
  providers: Record<string, ProviderHealth>;
  /** False when circuit state could not be read from Redis (circuits then read closed). */
  circuitStateAvailable: boolean;
}

export interface LlmClient {
  complete<T = unknown>(request: CompletionRequest<T>): Promise<CompletionResponse<T>>;
  health(): Promise<LlmHealth>;
  /** The effective chain for an agent: its own model first, then the configured chain. */
  chainFor(agentModel?: string | null): ResolvedModel[];
  close(): Promise<void>;
}

const SEVERITY: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

class DefaultLlmClient implements LlmClient {
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly breaker: CircuitBreaker;
  private readonly limiter: RateLimiter;
  private readonly runner: ModelRunner;
  private readonly providers = new Map<string, ModelProvider>();
  /** Models this process has called: health reports their circuits too. */
  private readonly usedRefs = new Map<string, ResolvedModel>();
  private readonly unpricedWarned = new Set<string>();
  private readonly prices: PriceTable;
  /** The same zod schema is sent on every call of its kind; derive its JSON schema once. */
  private readonly schemaCache = new WeakMap<object, ProviderJsonSchema>();
  private closed = false;
  /** Attempt writes not yet settled: close() waits for them. */
  private readonly recording = new Set<Promise<void>>();

  constructor(private readonly options: LlmClientOptions) {
    const { config } = options;
    if (!options.keyPrefix) throw new Error('keyPrefix is required');
    this.logger = (options.logger ?? nullLogger).child({ component: 'llm' });
    this.now = options.now ?? Date.now;
    const keyPrefix = `${options.keyPrefix}:llm:`;
    this.prices = new PriceTable(config.prices);
    this.breaker = new CircuitBreaker({
      redis: options.redis,
      keyPrefix,
      ...config.breaker,
      // A probe holds its lease for one attempt's worth of time; if its process dies, another probes.
      probeLeaseMs: config.timeoutMs + 1000,
      now: this.now,
    });
    this.limiter = new RateLimiter({
      redis: options.redis,
      keyPrefix,
      windowMs: config.rateLimit.windowMs,
      limitFor: (provider) => config.rateLimit.perProvider[provider as keyof typeof config.rateLimit.perProvider] ?? config.rateLimit,
      now: this.now,
    });
    this.runner = new ModelRunner({
      config,
      providerFor: (model) => this.providerFor(model),
      breaker: this.breaker,
      limiter: this.limiter,
      prices: this.prices,
      logger: this.logger,
      now: this.now,
      onAttempt: (attempt) => this.emitAttempt(attempt),
      onCircuitChange: (transition) => this.emitCircuitChange(transition),
    });
    if (config.mode === 'live' && buildModelChain(config).length === 0) {
      const chain = config.modelChain.length > 0 ? config.modelChain.join(',') : 'the default chain';
      throw new ConfigError([{ variable: 'MESH_MODEL_CHAIN', message: `no entry of ${chain} belongs to a provider with a key (set its API key or change the chain)` }]);
    }
  }

  chainFor(agentModel?: string | null): ResolvedModel[] {
    return buildModelChain(this.options.config, agentModel);
  }

  async complete<T = unknown>(request: CompletionRequest<T>): Promise<CompletionResponse<T>> {
    if (this.closed) throw new Error('LLM client is closed');
    if (request.messages.length === 0) throw new Error('complete() needs at least one message');
    const { config } = this.options;
    const fullChain = this.chainFor(request.model);
    if (fullChain.length === 0) {
      throw new ProviderError(`No model available for ${request.model ?? 'the default chain'}: no provider of the chain has a key`, {
        provider: 'none',
        model: request.model ?? '',
        retryable: false,
        errorClass: 'no_model',
      });
    }
    const log = this.logger.child({ ...(request.context ?? {}), ...(request.purpose ? { purpose: request.purpose } : {}) });
    const chain = this.capableOf(fullChain, request.messages, log);
    const prepared = this.prepare(request);
    const scope = new CallScope(request.signal, config.callTimeoutMs, this.now);
    const attempts: AttemptRecord[] = [];
    const context = { ...(request.context ?? {}), ...(request.purpose ? { purpose: request.purpose } : {}) };
    const callId = randomUUID();
    // What was sent, as it was then: a tool loop appends to its messages after this call returns.
    const made = (output: RecordedCall['output']): RecordedCall => ({
      callId,
      system: request.system,
      // Attachments are named, not copied: the bytes stay in the attachment store.
      messages: withoutAttachmentBytes(request.messages),
      annotations: request.annotations ?? {},
      output,
    });
    let recorded: Promise<void> | undefined;
    try {
      let lastError: unknown;
      for (const [position, model] of chain.entries()) {
        if (scope.signal.aborted) break;
        this.usedRefs.set(model.ref, model);
        try {
          const answer = await this.runner.run(model, position, prepared, scope, attempts);
          const usage = attempts.reduce((sum, a) => ({ inputTokens: sum.inputTokens + a.inputTokens, outputTokens: sum.outputTokens + a.outputTokens }), { inputTokens: 0, outputTokens: 0 });
          const costUsd = Math.round(attempts.reduce((sum, a) => sum + a.costUsd, 0) * 1e8) / 1e8;
          if (position > 0) log.info('answered by a fallback model', { provider: model.provider, model: model.model, chainPosition: position });
          // Stored while the caller goes on: it awaits `recorded` together with its own next write.
          recorded = this.record(attempts, context, made({ text: answer.text, ...(answer.toolCalls ? { toolCalls: answer.toolCalls } : {}) }), {
            afterThisTurn: Boolean(answer.toolCalls?.length),
          });
          return {
            text: answer.text,
            ...(answer.toolCalls ? { toolCalls: answer.toolCalls } : request.schema ? { object: answer.object as T } : {}),
            stopReason: answer.stopReason,
            usage,
            costUsd,
            provider: model.provider,
            model: model.model,
            simulated: model.provider === 'simulated',
            attempts,
            recorded,
          };
        } catch (err) {
          lastError = err;
          if (scope.callerAborted) throw new LlmAbortError(request.signal?.reason);
          if (scope.deadlineExceeded) break;
          const next = chain[position + 1];
          log.warn(next ? 'model failed, falling back to the next model' : 'last model of the chain failed', {
            provider: model.provider,
            model: model.model,
            error: describeError(err),
            ...(next ? { next: next.ref } : {}),
          });
        }
      }
      if (scope.callerAborted) throw new LlmAbortError(request.signal?.reason);
      const error = new AllModelsFailedError(chain, attempts, { ...(scope.deadlineExceeded ? { deadlineMs: config.callTimeoutMs } : {}), cause: lastError });
      log.error('all models failed', { error: error.message });
      throw error;
    } finally {
      scope.dispose();
      if (!recorded) await this.record(attempts, context, made(null));
    }
  }

  /**
   * The models of the chain that read every modality of the request's attachments, in chain
   * order; each one left out is logged and counted. None: UnsupportedModalityError naming a
   * modality no model of the chain reads (or, when each is read by some model but none reads
   * them all, the first the first model lacks).
   */
  private capableOf(chain: ResolvedModel[], messages: CompletionRequest<unknown>['messages'], log: Logger): ResolvedModel[] {
    const needed = [...new Set(attachmentsOf(messages).map((a) => modalityOf(a.media_type)))];
    if (needed.length === 0) return chain;
    const capable: ResolvedModel[] = [];
    for (const model of chain) {
      const missing = missingModality(model, needed);
      if (!missing) {
        capable.push(model);
        continue;
      }
      log.info('model skipped: it cannot read the attachments', { provider: model.provider, model: model.model, modality: missing });
      try {
        this.options.onModelSkipped?.({ provider: model.provider, model: model.model, modality: missing });
      } catch (err) {
        this.logger.warn('onModelSkipped hook failed', { error: describeError(err) });
      }
    }
    if (capable.length > 0) return capable;
    const unread = needed.find((m) => chain.every((model) => !model.inputModalities.includes(m))) ?? missingModality(chain[0]!, needed) ?? needed[0]!;
    const error = new UnsupportedModalityError(unread, chain);
    log.warn('no model of the chain reads the attachments', { error: error.message });
    throw error;
  }

  private prepare<T>(request: CompletionRequest<T>): PreparedRequest {
    const { config } = this.options;
    if (request.tools) assertValidTools(request.tools);
    let schema: PreparedRequest['schema'];
    if (request.schema) {
      let portable = this.schemaCache.get(request.schema.zod);
      if (!portable) {
        portable = toProviderJsonSchema(request.schema.zod);
        this.schemaCache.set(request.schema.zod, portable);
      }
      schema = {
        source: request.schema as CompletionSchema<unknown>,
        wire: {
          name: schemaToolName(request.schema.name),
          ...(request.schema.description ? { description: request.schema.description } : {}),
          jsonSchema: portable.schema,
          sourceJsonSchema: portable.source,
          strict: portable.strictCompatible,
        },
      };
    }
    return {
      system: request.system,
      messages: request.messages,
      ...(schema ? { schema } : {}),
      // A tool choice without tools is a 400 at OpenAI and Anthropic.
      ...(request.tools?.length ? { tools: request.tools, ...(request.toolChoice ? { toolChoice: request.toolChoice } : {}) } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      maxTokens: request.maxTokens ?? config.maxTokens,
      timeoutMs: request.timeoutMs ?? config.timeoutMs,
      seed: seedFrom(JSON.stringify({ system: request.system, messages: withoutAttachmentBytes(request.messages), schema: request.schema?.name ?? null })),
      ...(request.purpose ? { purpose: request.purpose } : {}),
    };
  }

  private providerFor(model: ResolvedModel): ModelProvider {
    const existing = this.providers.get(model.provider);
    if (existing) return existing;
    const { config } = this.options;
    let provider: ModelProvider;
    switch (model.provider) {
      case 'anthropic':
        provider = new AnthropicProvider({ apiKey: config.keys.anthropic ?? '', ...(config.baseUrls.anthropic ? { baseURL: config.baseUrls.anthropic } : {}), logger: this.logger });
        break;
      case 'openai':
        provider = new OpenAIProvider({ apiKey: config.keys.openai ?? '', ...(config.baseUrls.openai ? { baseURL: config.baseUrls.openai } : {}), logger: this.logger });
        break;
      case 'google':
        provider = new GoogleProvider({ apiKey: config.keys.google ?? '', ...(config.baseUrls.google ? { baseUrl: config.baseUrls.google } : {}) });
        break;
      case 'simulated':
        provider = new SimulatedProvider({ latencyMs: config.simulatedLatencyMs, ...(this.options.responders ? { responders: this.options.responders } : {}) });
        break;
      default: {
        const unreachable: never = model.provider;
        throw new Error(`unknown provider ${String(unreachable)}`);
      }
    }
    this.providers.set(model.provider, provider);
    return provider;
  }

  private emitAttempt(attempt: AttemptRecord): void {
    const ref = `${attempt.provider}:${attempt.model}`;
    if (attempt.outcome !== 'skipped' && attempt.provider !== 'simulated' && !this.prices.priceOf(ref) && !this.unpricedWarned.has(ref)) {
      this.unpricedWarned.add(ref);
      this.logger.warn('no price for model: its cost is counted as 0 (set MESH_LLM_PRICES)', { model: ref });
    }
    try {
      this.options.onAttempt?.(attempt);
    } catch (err) {
      this.logger.warn('onAttempt hook failed', { error: describeError(err) });
    }
  }

  private emitCircuitChange(transition: CircuitTransition): void {
    const colon = transition.ref.indexOf(':');
    const change: CircuitChange = { ...transition, provider: transition.ref.slice(0, colon), model: transition.ref.slice(colon + 1) };
    const fields = { provider: change.provider, model: change.model, from: change.from, to: change.to };
    if (change.to === 'open') this.logger.warn('circuit opened: skipping this model fleet-wide until the cool-down ends', fields);
    else this.logger.info('circuit state changed', fields);
    try {
      this.options.onCircuitChange?.(change);
    } catch (err) {
      this.logger.warn('onCircuitChange hook failed', { error: describeError(err) });
    }
  }

  /**
   * Never rejects: losing an accounting row must not fail the model call that already succeeded.
   * `afterThisTurn`: the rows (and scrubbing the prompt for them) wait for the next turn of the
   * loop, so that what the caller starts with the answer leaves first — a turn that asks for tool
   * calls, whose requests are then on their way. An answer's rows go at once: its caller awaits
   * them with its own write, and under load a turn later can mean a batch later.
   */
  private record(attempts: AttemptRecord[], context: Parameters<LlmCallRecorder['record']>[1], call: RecordedCall, options: { afterThisTurn?: boolean } = {}): Promise<void> {
    const recorder = this.options.recorder;
    if (!recorder || attempts.length === 0) return Promise.resolve();
    const write = (async () => {
      if (options.afterThisTurn) await afterThisTurn();
      try {
        await recorder.record(attempts, context, call);
      } catch (err) {
        this.logger.error('recording LLM attempts failed', { error: describeError(err), attempts: attempts.length });
      }
    })();
    this.recording.add(write);
    void write.finally(() => this.recording.delete(write));
    return write;
  }

  async health(): Promise<LlmHealth> {
    const { config } = this.options;
    const refs = new Map<string, ResolvedModel>();
    for (const model of this.chainFor(null)) refs.set(model.ref, model);
    for (const [ref, model] of this.usedRefs) refs.set(ref, model);
    const providers: Record<string, ProviderHealth> = {};
    for (const provider of LIVE_PROVIDERS) {
      providers[provider] = { configured: isProviderConfigured(provider, config), circuit: 'closed', models: {} };
    }
    if (config.mode === 'simulated' || [...refs.values()].some((m) => m.provider === 'simulated')) {
      providers['simulated'] = { configured: true, circuit: 'closed', models: {} };
    }
    let circuitStateAvailable = true;
    await Promise.all(
      [...refs.values()]
        .filter((model) => model.provider !== 'simulated')
        .map(async (model) => {
          const entry = providers[model.provider];
          if (!entry) return;
          let state: CircuitState = 'closed';
          try {
            state = (await this.breaker.snapshot(model.ref)).state;
          } catch (err) {
            circuitStateAvailable = false;
            this.logger.warn('circuit state unavailable for health', { model: model.ref, error: describeError(err) });
          }
          entry.models[model.ref] = state;
          if (SEVERITY[state] > SEVERITY[entry.circuit]) entry.circuit = state;
        }),
    );
    return { mode: config.mode, providers, circuitStateAvailable };
  }

  async close(): Promise<void> {
    // The Redis connection is shared and owned by the caller; SDK clients hold no resources of their own.
    this.closed = true;
    await Promise.all([...this.recording]);
  }
}

/** The one way any part of the product talks to a model. */
export function createLlmClient(options: LlmClientOptions): LlmClient {
  return new DefaultLlmClient(options);
}
