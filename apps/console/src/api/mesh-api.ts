import { MeshClient } from '@mesh/client';

/**
 * The console's client for the REST API. Same origin: the browser sends the credentials it was
 * given at the Basic-auth prompt (the API answers 401 with the same realm, so it resends them).
 */
export const meshApi = new MeshClient({ credentials: 'same-origin' });
