import type { MeshConfig, SafetyConfig } from '@mesh/config';
import { describeError, type SafetyAction } from '@mesh/core';
import { nullLogger, type Logger } from '@mesh/observability';
import { ContentRules } from './content-rules';
import type { Moderator } from './moderator';
import { OpenAiModerator } from './openai-moderator';
import { redactPii } from './pii-redactor';

export interface SafetyVerdict {
  /** The text to store: unchanged, redacted, or the withheld placeholder. */
  text: string;
  action: SafetyAction;
  /** Why, never quoting the flagged text: `pii: email`, `blocklist: "term"`, `moderation: violence`. */
  reasons: string[];
}

export interface ContentSafetyOptions {
  blocklist?: readonly string[];
  patterns?: readonly string[];
  /** Default `redact`. */
  pii?: SafetyConfig['pii'];
  /** What a blocklist or pattern hit does; default `withhold`. */
  action?: SafetyConfig['action'];
  /** Checked first when present; its failure is logged and the local checks still apply. */
  moderator?: Moderator | null;
  logger?: Logger;
}

const DEFAULTS = { pii: 'redact', action: 'withhold' } as const;

/** What a withheld output is stored as: the reader learns that and why, not what. */
export function withheldPlaceholder(reasons: readonly string[]): string {
  return `[withheld by the safety filter: ${reasons.join('; ') || 'flagged'}]`;
}

/**
 * The safety filter every agent output passes before it is stored: the operator's blocklist and
 * patterns (withhold or redact), OpenAI moderation when configured (withhold), and PII
 * redaction (e-mail, phone, card, IBAN, US SSN).
 */
export class ContentSafety {
  private readonly rules: ContentRules;
  private readonly pii: SafetyConfig['pii'];
  private readonly action: SafetyConfig['action'];
  private readonly moderator: Moderator | null;
  private readonly logger: Logger;

  constructor(options: ContentSafetyOptions = {}) {
    this.rules = new ContentRules({ blocklist: options.blocklist ?? [], patterns: options.patterns ?? [] });
    this.pii = options.pii ?? DEFAULTS.pii;
    this.action = options.action ?? DEFAULTS.action;
    this.moderator = options.moderator ?? null;
    this.logger = options.logger ?? nullLogger;
  }

  /** As configured: MESH_SAFETY_*, and OpenAI moderation when MESH_SAFETY_MODERATION=auto and OPENAI_API_KEY is set. */
  static fromConfig(config: Pick<MeshConfig, 'safety' | 'llm'>, logger: Logger = nullLogger): ContentSafety {
    const apiKey = config.llm.keys.openai;
    const moderator =
      config.safety.moderation === 'auto' && apiKey
        ? new OpenAiModerator({ apiKey, ...(config.llm.baseUrls.openai ? { baseUrl: config.llm.baseUrls.openai } : {}) })
        : null;
    return new ContentSafety({ ...config.safety, moderator, logger });
  }

  async check(text: string, signal?: AbortSignal): Promise<SafetyVerdict> {
    const [verdict] = await this.checkAll([text], signal);
    return verdict as SafetyVerdict;
  }

  /** Several texts at once (one moderation request for all): a verdict per text, in order. */
  async checkAll(texts: readonly string[], signal?: AbortSignal): Promise<SafetyVerdict[]> {
    const verdicts = texts.map((text) => this.checkRules(text));
    await this.moderate(texts, verdicts, signal);
    return verdicts.map((verdict) => this.redactPii(verdict));
  }

  /** Blocklist and patterns: withhold or redact, as configured. */
  private checkRules(text: string): SafetyVerdict & { original: string } {
    const hits = this.rules.hits(text);
    if (hits.length === 0) return { original: text, text, action: 'allow', reasons: [] };
    if (this.action === 'withhold') return { original: text, text, action: 'withhold', reasons: hits };
    return { original: text, text: this.rules.redact(text), action: 'redact', reasons: hits };
  }

  /** Moderation withholds what it flags; when it fails, the local checks stand alone. */
  private async moderate(texts: readonly string[], verdicts: (SafetyVerdict & { original: string })[], signal?: AbortSignal): Promise<void> {
    if (!this.moderator) return;
    const pending = verdicts.filter((v) => v.action !== 'withhold' && v.original.trim() !== '');
    if (pending.length === 0) return;
    try {
      const results = await this.moderator.moderate(
        pending.map((v) => v.original),
        signal,
      );
      pending.forEach((verdict, i) => {
        const result = results[i];
        if (!result?.flagged) return;
        verdict.action = 'withhold';
        verdict.reasons.push(`moderation: ${result.categories.join(', ') || 'flagged'}`);
      });
    } catch (err) {
      // The task was stopped: let the caller's abort handling see it.
      if (signal?.aborted) throw err;
      this.logger.warn('moderation check failed; using the local checks only', { moderator: this.moderator.name, texts: texts.length, error: describeError(err) });
    }
  }

  /** PII redaction on what is not withheld; the withheld get their placeholder. */
  private redactPii(verdict: SafetyVerdict & { original: string }): SafetyVerdict {
    const { original: _original, ...rest } = verdict;
    if (rest.action === 'withhold') return { ...rest, text: withheldPlaceholder(rest.reasons) };
    if (this.pii !== 'redact') return rest;
    const redacted = redactPii(rest.text);
    if (redacted.kinds.length === 0) return rest;
    return { text: redacted.text, action: 'redact', reasons: [...rest.reasons, ...redacted.kinds.map((kind) => `pii: ${kind}`)] };
  }
}
