import { statusOfErrorBody } from '../classify-provider-error';

export interface ObservedResponse {
  status: number;
  headers: Headers;
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A fetch for the SDKs that (1) turns a 200 whose JSON body is an error object into an error
 * response with the status that error stands for, so the SDK raises its own typed error
 * (providers can report overload or quota in the body of a 200), and (2) reports each response's
 * status and headers, which @google/genai does not expose on its errors (retry-after).
 */
export function inspectingFetch(provider: string, onResponse?: (response: ObservedResponse) => void, baseFetch: Fetch = globalThis.fetch): Fetch {
  return async (input, init) => {
    const response = await baseFetch(input, init);
    onResponse?.({ status: response.status, headers: response.headers });
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return response;
    const text = await response.text();
    let errorStatus: number | undefined;
    try {
      errorStatus = statusOfErrorBody(provider, JSON.parse(text));
    } catch {
      // Not JSON: hand the text back unchanged and let the SDK's parser report it.
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    if (errorStatus !== undefined) onResponse?.({ status: errorStatus, headers });
    return new Response(text, { status: errorStatus ?? response.status, statusText: errorStatus ? 'error in response body' : response.statusText, headers });
  };
}
