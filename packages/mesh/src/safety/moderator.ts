/** What a moderation service said about one text. */
export interface ModerationResult {
  flagged: boolean;
  /** The categories it flagged (e.g. `violence`, `harassment`). */
  categories: string[];
}

/** A moderation service (OpenAI's moderation endpoint in production; anything in tests). */
export interface Moderator {
  /** A short name for logs. */
  readonly name: string;
  /** One result per text, in order: a batch is one request. */
  moderate(texts: string[], signal?: AbortSignal): Promise<ModerationResult[]>;
}
