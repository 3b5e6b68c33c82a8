import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkCallbackUrl, forbiddenAddressReason } from './callback-url-policy';

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface WebhookDeliveryOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The whole delivery: lookup, connect, request and response. */
  timeoutMs: number;
  /** Tests only: private and loopback targets allowed. */
  allowPrivateAddresses: boolean;
  /** DNS lookup of every address of a name (default: the system resolver); tests replace it. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

/** The target may never receive webhooks (retrying cannot help). */
export class WebhookRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRefusedError';
  }
}

/** The delivery failed in a way a later attempt may not: network error, timeout, non-2xx answer. */
export class WebhookDeliveryError extends Error {
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WebhookDeliveryError';
    this.status = options.status;
  }
}

/** Bytes of the receiver's answer read (then discarded) so the connection ends cleanly. */
const MAX_RESPONSE_BYTES = 64 * 1024;

const systemResolve = async (hostname: string): Promise<ResolvedAddress[]> => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Resolves the callback host and checks every address it resolves to (a name that resolves to
 * any forbidden address is refused: DNS answers can rotate). Returns the address to connect to.
 */
export async function resolveWebhookTarget(
  host: string,
  options: Pick<WebhookDeliveryOptions, 'allowPrivateAddresses' | 'resolve'>,
): Promise<ResolvedAddress> {
  const family = isIP(host);
  const addresses = family !== 0 ? [{ address: host, family }] : await (options.resolve ?? systemResolve)(host);
  if (addresses.length === 0) throw new WebhookDeliveryError(`${host} did not resolve to any address`);
  if (!options.allowPrivateAddresses) {
    for (const { address } of addresses) {
      const reason = forbiddenAddressReason(address);
      if (reason) throw new WebhookRefusedError(`callback host ${host} resolves to a forbidden address: ${reason}`);
    }
  }
  return addresses[0] as ResolvedAddress;
}

/** A lookup that answers with the address already checked, so the connection goes exactly there (no second lookup). */
export function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
}

/**
 * POSTs one webhook: the URL is checked again, its host resolved and every address checked, the
 * connection made to the checked address, redirects never followed, the whole exchange bounded
 * by `timeoutMs`. Resolves with the 2xx status; throws WebhookRefusedError (permanent) or
 * WebhookDeliveryError (worth retrying).
 */
export async function deliverWebhook(options: WebhookDeliveryOptions): Promise<{ status: number }> {
  const checked = checkCallbackUrl(options.url, { allowPrivateAddresses: options.allowPrivateAddresses });
  if (!checked.ok) throw new WebhookRefusedError(`callback_url ${checked.reason}`);
  const { url, host } = checked;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const target = await Promise.race([
    resolveWebhookTarget(host, options),
    new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new WebhookDeliveryError(`resolving ${host} timed out`)), { once: true })),
  ]);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const auth = url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
        ...(auth ? { auth } : {}),
        lookup: pinnedLookup(target),
        // A fresh connection per delivery: a pooled socket could lead to an address checked for another host.
        agent: false,
        signal,
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        res.on('error', () => {});
        res.on('close', () => {
          if (status >= 200 && status < 300) resolve({ status });
          else if (status >= 300 && status < 400) reject(new WebhookRefusedError(`the receiver answered ${status} (a redirect); redirects are not followed`));
          else reject(new WebhookDeliveryError(`the receiver answered ${status}`, { status }));
        });
      },
    );
    req.on('error', (err) => {
      reject(signal.aborted ? new WebhookDeliveryError(`no answer within ${options.timeoutMs} ms`, { cause: err }) : new WebhookDeliveryError(`request failed: ${err.message}`, { cause: err }));
    });
    req.end(options.body);
  });
}
