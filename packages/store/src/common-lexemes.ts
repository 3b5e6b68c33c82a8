import type { Queryable } from './db';

/** How long the lexemes are trusted: they follow ANALYZE, which is slower still. */
const COMMON_LEXEMES_TTL_MS = 60_000;
/** How soon to ask again when there were none (an empty table): the first items arrive quickly. */
const NO_COMMON_LEXEMES_TTL_MS = 5_000;

/**
 * The most common lexemes of memory (common_memory_lexemes(), migrations/005), which
 * memory_candidates() takes to tell a text's distinctive words from its common ones. Cached for a
 * while: reading the statistics on every retrieval would cost more than the search. createStore
 * makes one, shared by the repositories that fetch candidates.
 */
export class CommonLexemes {
  private cached: { value: Promise<string[] | null>; expiresAt: number } | undefined;

  constructor(private readonly db: Queryable) {}

  /** The lexemes, or null when there are none or they could not be read (then every word counts as distinctive). */
  get(): Promise<string[] | null> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.value;
    const value = this.db
      .query<{ common: string[] | null }>('SELECT common_memory_lexemes() AS common')
      .then(({ rows }) => rows[0]?.common ?? null)
      .catch(() => null);
    const entry = { value, expiresAt: Date.now() + COMMON_LEXEMES_TTL_MS };
    this.cached = entry;
    void value.then((common) => {
      if (!common || common.length === 0) entry.expiresAt = Math.min(entry.expiresAt, Date.now() + NO_COMMON_LEXEMES_TTL_MS);
    });
    return value;
  }
}
