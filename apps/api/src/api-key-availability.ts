import { ConfigError, type MeshConfig } from '@mesh/config';

/**
 * Production must never run with no way in but also never open: with MESH_API_KEYS unset, the
 * hashed keys of the api_keys table are the only keys, so at least one must be active. Checked
 * once at start; keys created or revoked later take effect without a restart.
 */
export async function assertApiKeysAvailable(config: Pick<MeshConfig, 'env' | 'apiKeys'>, keyStore: { countActive(): Promise<number> }): Promise<void> {
  if (config.env !== 'production' || config.apiKeys.length > 0) return;
  if ((await keyStore.countActive()) > 0) return;
  throw new ConfigError([
    {
      variable: 'MESH_API_KEYS',
      message:
        'is not set and the api_keys table has no active key; in production the API needs one: set MESH_API_KEYS=tenant:key,… or create a hashed key with `npm run keys -- create --tenant <tenant>`',
    },
  ]);
}
