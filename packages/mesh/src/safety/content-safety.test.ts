import { ContentRules } from './content-rules';
import { ContentSafety, withheldPlaceholder } from './content-safety';
import type { ModerationResult, Moderator } from './moderator';
import { screenAgentOutput, screenTaskResult } from './output-screening';

class FakeModerator implements Moderator {
  readonly name = 'fake';
  readonly batches: string[][] = [];
  constructor(private readonly answer: (text: string) => ModerationResult | Error) {}
  async moderate(texts: string[]): Promise<ModerationResult[]> {
    this.batches.push(texts);
    return texts.map((t) => {
      const a = this.answer(t);
      if (a instanceof Error) throw a;
      return a;
    });
  }
}

const logs = () => {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const logger = {
    error: (message: string, fields?: Record<string, unknown>) => lines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
    warn: (message: string, fields?: Record<string, unknown>) => lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    info: () => {},
    debug: () => {},
    child: () => logger,
  };
  return { lines, logger };
};

describe('ContentRules', () => {
  it('matches blocklist terms as whole words, case-insensitively, in any script', async () => {
    const rules = new ContentRules({ blocklist: ['Project Falcon', 'secret', 'geheimnis'] });
    expect(rules.hits('about PROJECT falcon')).toEqual(['blocklist: "Project Falcon"']);
    expect(rules.hits('the secretary and secretive types')).toEqual([]);
    expect(rules.hits('Das Geheimnis.')).toEqual(['blocklist: "geheimnis"']);
    expect(rules.hits('Geheimnisse')).toEqual([]);
    expect(rules.redact('a Secret and a secret.')).toBe('a [redacted] and a [redacted].');
  });

  it('treats terms as text, never as regular expressions', () => {
    const rules = new ContentRules({ blocklist: ['a.b (c)'] });
    expect(rules.hits('axb (c)')).toEqual([]);
    expect(rules.hits('see a.b (c) here')).toEqual(['blocklist: "a.b (c)"']);
  });

  it('matches patterns, repeatedly (no sticky lastIndex)', () => {
    const rules = new ContentRules({ patterns: ['internal-\\d+'] });
    for (let i = 0; i < 3; i++) expect(rules.hits('ticket INTERNAL-42')).toEqual(['pattern: /internal-\\d+/']);
    expect(rules.redact('internal-1, internal-22')).toBe('[redacted], [redacted]');
  });
});

describe('ContentSafety.check', () => {
  it('allows clean text unchanged', async () => {
    const safety = new ContentSafety({ blocklist: ['forbidden'] });
    expect(await safety.check('A subject line for the launch')).toEqual({ text: 'A subject line for the launch', action: 'allow', reasons: [] });
  });

  it('withholds a blocklist or pattern hit by default, saying why but not quoting the text', async () => {
    const safety = new ContentSafety({ blocklist: ['forbidden'], patterns: ['acme-\\d{4}'] });
    const verdict = await safety.check('This is forbidden, see ACME-1234, mail x@y.io');
    expect(verdict.action).toBe('withhold');
    expect(verdict.reasons).toEqual(['blocklist: "forbidden"', 'pattern: /acme-\\d{4}/']);
    expect(verdict.text).toBe(withheldPlaceholder(verdict.reasons));
    expect(verdict.text).toBe('[withheld by the safety filter: blocklist: "forbidden"; pattern: /acme-\\d{4}/]');
    expect(verdict.text).not.toContain('x@y.io');
  });

  it('redacts hits instead when the action is redact, and PII too', async () => {
    const safety = new ContentSafety({ blocklist: ['forbidden'], action: 'redact' });
    const verdict = await safety.check('This is forbidden; call 415-555-0100');
    expect(verdict).toEqual({ text: 'This is [redacted]; call [redacted phone]', action: 'redact', reasons: ['blocklist: "forbidden"', 'pii: phone'] });
  });

  it('redacts PII by default and not at all with pii off', async () => {
    const input = 'Contact jane@example.com, SSN 123-45-6789, card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00';
    const on = await new ContentSafety().check(input);
    expect(on.action).toBe('redact');
    expect(on.text).toBe('Contact [redacted email], SSN [redacted ssn], card [redacted card], IBAN [redacted iban]');
    expect(on.reasons).toEqual(['pii: email', 'pii: iban', 'pii: card', 'pii: ssn']);
    expect(await new ContentSafety({ pii: 'off' }).check(input)).toEqual({ text: input, action: 'allow', reasons: [] });
  });

  it('withholds what moderation flags, in one batch per call', async () => {
    const moderator = new FakeModerator((t) => ({ flagged: t.includes('violent'), categories: t.includes('violent') ? ['violence', 'harassment'] : [] }));
    const safety = new ContentSafety({ moderator });
    const verdicts = await safety.checkAll(['a violent text', 'a calm text', '  ']);
    expect(verdicts.map((v) => v.action)).toEqual(['withhold', 'allow', 'allow']);
    expect(verdicts[0]?.reasons).toEqual(['moderation: violence, harassment']);
    expect(verdicts[0]?.text).toBe('[withheld by the safety filter: moderation: violence, harassment]');
    // Blank texts are not sent; everything else goes in one request.
    expect(moderator.batches).toEqual([['a violent text', 'a calm text']]);
  });

  it('does not ask moderation about text already withheld by the local rules', async () => {
    const moderator = new FakeModerator(() => ({ flagged: false, categories: [] }));
    await new ContentSafety({ blocklist: ['forbidden'], moderator }).checkAll(['forbidden words', 'fine words']);
    expect(moderator.batches).toEqual([['fine words']]);
  });

  it('logs a moderation failure and falls back to the local checks', async () => {
    const { lines, logger } = logs();
    const safety = new ContentSafety({ moderator: new FakeModerator(() => new Error('503 from moderation')), logger, blocklist: ['forbidden'] });
    const verdicts = await safety.checkAll(['mail me at a@b.io', 'forbidden', 'fine']);
    expect(verdicts.map((v) => v.action)).toEqual(['redact', 'withhold', 'allow']);
    expect(lines).toEqual([{ level: 'warn', message: 'moderation check failed; using the local checks only', fields: { moderator: 'fake', texts: 3, error: '503 from moderation' } }]);
  });

  it('lets an abort through (a cancelled task stops, it is not "allowed")', async () => {
    const controller = new AbortController();
    controller.abort();
    const safety = new ContentSafety({ moderator: new FakeModerator(() => new Error('aborted')) });
    await expect(safety.check('text', controller.signal)).rejects.toThrow('aborted');
  });
});

describe('screening engine outputs', () => {
  const subtask = { key: 'draft', id: '7d8f1f5e-2a8b-4f0a-9c1e-0f6b2a3c4d5e', iteration: 2 };

  it('withholds a flagged result together with its reasoning, drops withheld memories and redacts the rest', async () => {
    const safety = new ContentSafety({ blocklist: ['forbidden'] });
    const { output, items } = await screenAgentOutput(
      safety,
      {
        reasoning: 'I wrote the forbidden thing',
        result: 'The forbidden thing',
        confidence: 0.9,
        suggested_memories: [
          { type: 'fact', content: 'Clean fact', confidence: 1 },
          { type: 'fact', content: 'Contact owner@example.com', confidence: 1 },
          { type: 'decision', content: 'forbidden decision', confidence: 1 },
        ],
      },
      subtask,
    );
    expect(output.result).toBe('[withheld by the safety filter: blocklist: "forbidden"]');
    expect(output.reasoning).toBe(output.result);
    expect(output.suggested_memories.map((m) => m.content)).toEqual(['Clean fact', 'Contact [redacted email]']);
    expect(items).toEqual([
      { where: 'subtask draft', action: 'withhold', reasons: ['blocklist: "forbidden"'], subtask_id: subtask.id, iteration: 2 },
      {
        where: 'subtask draft memories',
        action: 'withhold',
        reasons: ['memories: 1 withheld, 1 redacted', 'pii: email', 'blocklist: "forbidden"'],
        subtask_id: subtask.id,
        iteration: 2,
      },
    ]);
  });

  it('records nothing for clean output, and changes nothing without a filter', async () => {
    const output = { reasoning: 'r', result: 'clean', confidence: 1, suggested_memories: [] };
    expect(await screenAgentOutput(new ContentSafety(), output, subtask)).toEqual({ output, items: [] });
    const dirty = { ...output, result: 'a@b.io' };
    expect(await screenAgentOutput(undefined, dirty, subtask)).toEqual({ output: dirty, items: [] });
  });

  it('redacts PII in the final result and its explanation separately', async () => {
    const { result, items } = await screenTaskResult(new ContentSafety(), { content: 'Reply to a@b.io', confidence: 0.8, explanation: 'Ask 415-555-0100' });
    expect(result).toEqual({ content: 'Reply to [redacted email]', confidence: 0.8, explanation: 'Ask [redacted phone]' });
    expect(items).toEqual([
      { where: 'result', action: 'redact', reasons: ['pii: email'] },
      { where: 'result explanation', action: 'redact', reasons: ['pii: phone'] },
    ]);
  });
});
