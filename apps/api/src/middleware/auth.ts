import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '@mesh/config';
import { UnauthorizedError } from '@mesh/core';
import type { RequestHandler, Request } from 'express';
import '../request-locals';

export interface AuthOptions {
  /** Keys from MESH_API_KEYS. */
  apiKeys: readonly ApiKeyEntry[];
  /** Hashed keys in the `api_keys` table, tried when no configured key matches. */
  keyStore: { tenantFor(key: string): Promise<string | null> };
  /** How long a table lookup (found or not) is trusted; revocation takes effect within it. */
  cacheTtlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const DEFAULTS = { cacheTtlMs: 5_000, now: Date.now };
/** Entries kept at most; past it the cache starts over (a flood of random keys cannot grow memory). */
const MAX_CACHE_ENTRIES = 10_000;
/** Longer than any key we issue; longer candidates are refused without a lookup. */
const MAX_KEY_LENGTH = 512;

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** The password of `Authorization: Basic base64(user:password)`: browsers (console, Bull Board) send the key this way. */
function basicPassword(authorization: string): string | undefined {
  const encoded = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization)?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/**
 * The key of `Authorization: Bearer <key>`, `Authorization: Basic` (any user, key as password) or
 * `X-API-Key: <key>`, or null. Ambiguous credentials are refused, never resolved by precedence:
 * a repeated Authorization or X-API-Key header, or two headers carrying different keys (Node
 * would keep only the first Authorization header, so the check reads them all).
 */
export function extractApiKey(req: Request): string | null {
  const distinct = (req as Partial<Pick<Request, 'headersDistinct'>>).headersDistinct;
  if ((distinct?.['authorization']?.length ?? 0) > 1 || (distinct?.['x-api-key']?.length ?? 0) > 1) return null;
  const authorization = req.get('authorization');
  const fromAuthorization = authorization ? (/^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? basicPassword(authorization)) : undefined;
  const fromApiKeyHeader = req.get('x-api-key')?.trim() || undefined;
  if (fromAuthorization !== undefined && fromApiKeyHeader !== undefined && fromAuthorization !== fromApiKeyHeader) return null;
  const key = fromAuthorization ?? fromApiKeyHeader;
  return key && key.length <= MAX_KEY_LENGTH ? key : null;
}

/**
 * Resolves an API key to its tenant. Configured keys are compared as SHA-256 digests with
 * timingSafeEqual, all of them every time, so neither a key's content nor its length shows in
 * the timing. Keys in the database are looked up by hash and cached briefly, misses too.
 */
export class ApiKeyResolver {
  private readonly configured: { tenantId: string; digest: Buffer }[];
  private readonly cache = new Map<string, { tenantId: string | null; expiresAt: number }>();
  private readonly cacheTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthOptions) {
    this.configured = options.apiKeys.map((entry) => ({ tenantId: entry.tenantId, digest: sha256(entry.key) }));
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULTS.cacheTtlMs;
    this.now = options.now ?? DEFAULTS.now;
  }

  async tenantFor(key: string): Promise<string | null> {
    const digest = sha256(key);
    let match: string | null = null;
    for (const entry of this.configured) {
      if (timingSafeEqual(digest, entry.digest) && match === null) match = entry.tenantId;
    }
    if (match !== null) return match;
    return this.lookUpStored(key, digest.toString('hex'));
  }

  private async lookUpStored(key: string, digestHex: string): Promise<string | null> {
    const now = this.now();
    const cached = this.cache.get(digestHex);
    if (cached && cached.expiresAt > now) return cached.tenantId;
    const tenantId = await this.options.keyStore.tenantFor(key);
    if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
    this.cache.set(digestHex, { tenantId, expiresAt: now + this.cacheTtlMs });
    return tenantId;
  }
}

/** 401 unless the request carries a valid key; sets `res.locals.tenantId`. Never runs open, even with no key configured. */
export function authenticate(resolver: ApiKeyResolver): RequestHandler {
  return async (req, res, next) => {
    const key = extractApiKey(req);
    const tenantId = key === null ? null : await resolver.tenantFor(key);
    if (tenantId === null) throw new UnauthorizedError();
    res.locals.tenantId = tenantId;
    next();
  };
}
