import type { MeshConfig } from '@mesh/config';
import { ValidationError } from '@mesh/core';
import { checkCallbackUrl } from './callback-url-policy';

/**
 * 400 unless a submitted callback_url may receive webhooks: a public http(s) host (no loopback,
 * private, link-local, CGNAT, multicast, reserved or metadata address in any spelling, no local
 * name), and webhooks signable (a secret is configured). The addresses it resolves to are
 * checked again at each delivery.
 */
export function assertCallbackUrlAllowed(config: Pick<MeshConfig, 'webhooks'>, callbackUrl: string): void {
  const fail = (message: string) => new ValidationError('Invalid request body', [{ path: 'callback_url', message }]);
  if (!config.webhooks.secret) throw fail('webhooks are not enabled on this server (MESH_WEBHOOK_SECRET is not set)');
  const check = checkCallbackUrl(callbackUrl, { allowPrivateAddresses: config.webhooks.allowPrivateAddresses });
  if (!check.ok) throw fail(check.reason);
}
