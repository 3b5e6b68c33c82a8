import { ConfigError, type ApiKeyEntry, type MeshConfig } from '@mesh/config';

/** The tenant of the key a development API makes up when no key is configured anywhere. */
export const DEVELOPMENT_TENANT = 'dev';

/** Whether anyone can get in, decided once at start (keys created or revoked later take effect without a restart). */
export type ApiKeyAvailability =
  /** MESH_API_KEYS is set, or the api_keys table holds an active hashed key. */
  | { kind: 'configured' }
  /** None anywhere, in development: this process alone serves a key it made up, for the tenant `dev`. */
  | { kind: 'development'; entry: ApiKeyEntry }
  /** None anywhere, with NODE_ENV=test: every request answers 401. */
  | { kind: 'none' };

/**
 * With neither MESH_API_KEYS nor an active hashed key, production must not start (it could never
 * be used, and must never run open) and development must not be a silent 401 for everything: it
 * serves `developmentKey`, which the caller made before its logger so that every log line scrubs
 * it. The key is never stored: the next start makes another.
 */
export async function checkApiKeyAvailability(
  config: Pick<MeshConfig, 'env' | 'apiKeys'>,
  keyStore: { countActive(): Promise<number> },
  developmentKey: string,
): Promise<ApiKeyAvailability> {
  if (config.apiKeys.length > 0 || (await keyStore.countActive()) > 0) return { kind: 'configured' };
  switch (config.env) {
    case 'production':
      throw new ConfigError([
        {
          variable: 'MESH_API_KEYS',
          message:
            'is not set and the api_keys table has no active key, so no request could be authenticated; in production set MESH_API_KEYS=tenant:key,… or create a hashed key with `npm run keys -- create --tenant <name>`',
        },
      ]);
    case 'development':
      return { kind: 'development', entry: { tenantId: DEVELOPMENT_TENANT, key: developmentKey } };
    case 'test':
      return { kind: 'none' };
    default: {
      const unknownEnv: never = config.env;
      throw new Error(`unknown NODE_ENV ${String(unknownEnv)}`);
    }
  }
}

/** The line printed for the person at the terminal, as notebook servers print their token (never through the logger). */
export function developmentKeyBanner(apiUrl: string, key: string): string {
  return `Agent Mesh API on ${apiUrl} — console: ${apiUrl}/console/ — development key (this run only): ${key}`;
}
