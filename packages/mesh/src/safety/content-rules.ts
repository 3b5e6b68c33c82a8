export interface ContentRulesOptions {
  /** Terms matched case-insensitively as whole words (or phrases). */
  blocklist?: readonly string[];
  /** Regular expression sources, matched case-insensitively. */
  patterns?: readonly string[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Word edges that understand any script, not only ASCII.
const NOT_WORD_BEFORE = '(?<![\\p{L}\\p{N}_])';
const NOT_WORD_AFTER = '(?![\\p{L}\\p{N}_])';

/**
 * The operator's blocklist and patterns (MESH_SAFETY_BLOCKLIST, MESH_SAFETY_PATTERNS): which of
 * them a text hits, and the text with every hit replaced.
 */
export class ContentRules {
  private readonly terms: { label: string; regex: RegExp }[];
  private readonly patterns: { label: string; regex: RegExp }[];

  constructor(options: ContentRulesOptions = {}) {
    this.terms = (options.blocklist ?? [])
      .map((t) => t.trim())
      .filter(Boolean)
      .map((term) => ({ label: `blocklist: "${term}"`, regex: new RegExp(`${NOT_WORD_BEFORE}${escapeRegExp(term)}${NOT_WORD_AFTER}`, 'giu') }));
    // Invalid sources throw here: config validation has already refused them with a message.
    this.patterns = (options.patterns ?? []).map((source) => ({ label: `pattern: /${source}/`, regex: new RegExp(source, 'giu') }));
  }

  get empty(): boolean {
    return this.terms.length === 0 && this.patterns.length === 0;
  }

  /** Labels of the rules the text hits (`blocklist: "term"`, `pattern: /source/`). */
  hits(text: string): string[] {
    return [...this.terms, ...this.patterns].filter((rule) => {
      rule.regex.lastIndex = 0;
      return rule.regex.test(text);
    }).map((rule) => rule.label);
  }

  /** The text with every hit replaced by `[redacted]`. */
  redact(text: string): string {
    let out = text;
    for (const rule of [...this.terms, ...this.patterns]) out = out.replace(rule.regex, (match) => (match.length === 0 ? match : '[redacted]'));
    return out;
  }
}
