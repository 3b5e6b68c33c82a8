import { isIP } from 'node:net';
import { SecretName } from '@mesh/core';
import { z } from 'zod';
import { intVar, optionalString, optionalUrlVar } from './env-types';

/** Environment variables of the tool layer (packages/tools receives the parsed `ToolsConfig`). */
export const ToolsEnv = z.object({
  /** `host[:port]` entries, comma-separated, that tool calls may reach although loopback or private. */
  MESH_TOOL_ALLOWED_HOSTS: optionalString(),
  MESH_TOOL_MAX_RESPONSE_BYTES: intVar(262_144, 1_024, 64 * 1_048_576),
  MESH_TOOL_TIMEOUT_MS: intVar(10_000, 100, 120_000),
  MESH_TOOL_RESULT_MAX_CHARS: intVar(16_000, 100, 1_000_000),
  MESH_TOOL_MAX_DOCUMENT_BYTES: intVar(2_097_152, 1_024, 64 * 1_048_576),
  MESH_TOOL_MAX_ROUNDS: intVar(8, 1, 100),
  /** The operator's mail server for the built-in `send_email`: `smtp://user:pass@host:587` or `smtps://…`. */
  MESH_SMTP_URL: optionalUrlVar(/^smtps?$/, 'an smtp:// or smtps:// URL'),
  MESH_EMAIL_FROM: optionalString(),
});
export type ToolsEnv = z.infer<typeof ToolsEnv>;

/** Where `MESH_SECRET_<NAME>` values come from: header values of registered tools refer to them as `{"secret": "NAME"}`. */
export const TOOL_SECRET_PREFIX = 'MESH_SECRET_';

export interface ToolsConfig {
  /** Lowercased `host[:port]` entries (MESH_TOOL_ALLOWED_HOSTS); metadata addresses stay refused whatever they say. */
  allowedHosts: string[];
  /** Bytes of a tool's response body kept (MESH_TOOL_MAX_RESPONSE_BYTES). */
  maxResponseBytes: number;
  /** One outbound call, and each remote step of a registration (MESH_TOOL_TIMEOUT_MS). */
  timeoutMs: number;
  /** Characters of a tool result given to the model; the rest is cut and the model told (MESH_TOOL_RESULT_MAX_CHARS). */
  resultMaxChars: number;
  /** Bytes of an OpenAPI document fetched from `document_url` (MESH_TOOL_MAX_DOCUMENT_BYTES). */
  maxDocumentBytes: number;
  /** Model turns with tool calls per subtask (MESH_TOOL_MAX_ROUNDS). */
  maxRounds: number;
  /** The built-in `send_email` is offered only when this is set (MESH_SMTP_URL with MESH_EMAIL_FROM). */
  smtp: { url: string; from: string } | null;
  /** `MESH_SECRET_<NAME>` values by NAME. Never logged (the processes scrub them), stored or returned. */
  secrets: Record<string, string>;
}

type Problem = { variable: string; message: string };

// Labels may hold `_` (container and service names do).
const HOSTNAME = /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** Why an allow-list entry is not `host`, `host:port`, an IP address or `[ipv6]:port`, or null. */
export function allowedHostProblem(entry: string): string | null {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  let host = entry;
  let port: string | undefined;
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2];
    if (isIP(host) !== 6) return `"${entry}": only an IPv6 address goes in brackets`;
  } else if ((entry.match(/:/g) ?? []).length === 1) {
    [host = '', port] = entry.split(':');
  } else if (entry.includes(':')) {
    return isIP(entry) === 6 ? null : `"${entry}" is not host, host:port or an IP address`;
  }
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535)) return `"${entry}": the port must be 1-65535`;
  if (isIP(host) === 0 && !HOSTNAME.test(host)) return `"${entry}" is not host, host:port or an IP address`;
  return null;
}

const EMAIL_ADDRESS = /^[^\s<>@",;]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** `mesh@example.com` or `Agent Mesh <mesh@example.com>`. */
function isFromAddress(value: string): boolean {
  if (/[\r\n\0]/.test(value)) return false;
  const named = /^[^<>]*<([^<>]+)>$/.exec(value);
  return EMAIL_ADDRESS.test(named ? (named[1] ?? '') : value);
}

/** Every `MESH_SECRET_<NAME>` of the raw environment; a bad NAME or value is a problem naming the variable (never its value). */
function collectSecrets(raw: Readonly<Record<string, string | undefined>>, problems: Problem[]): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const variable of Object.keys(raw).sort()) {
    if (!variable.startsWith(TOOL_SECRET_PREFIX)) continue;
    const value = raw[variable]?.trim();
    if (!value) continue;
    const name = variable.slice(TOOL_SECRET_PREFIX.length);
    if (!SecretName.safeParse(name).success) {
      problems.push({ variable, message: `the NAME after ${TOOL_SECRET_PREFIX} must be uppercase letters, digits and _, starting with a letter (at most 100)` });
      continue;
    }
    // Secrets are sent as header values.
    if (/[\r\n\0]/.test(value)) {
      problems.push({ variable, message: 'must not contain line breaks or NUL bytes' });
      continue;
    }
    secrets[name] = value;
  }
  return secrets;
}

export function toToolsConfig(env: ToolsEnv, raw: Readonly<Record<string, string | undefined>>): { config: ToolsConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  const allowedHosts = (env.MESH_TOOL_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  const badHost = allowedHosts.map(allowedHostProblem).find((problem) => problem !== null);
  if (badHost) problems.push({ variable: 'MESH_TOOL_ALLOWED_HOSTS', message: `must be comma-separated host[:port] entries: ${badHost}` });
  let smtp: ToolsConfig['smtp'] = null;
  if (env.MESH_SMTP_URL) {
    if (!env.MESH_EMAIL_FROM) problems.push({ variable: 'MESH_EMAIL_FROM', message: 'is required when MESH_SMTP_URL is set' });
    else if (!isFromAddress(env.MESH_EMAIL_FROM)) problems.push({ variable: 'MESH_EMAIL_FROM', message: 'must be an address (mesh@example.com) or Name <mesh@example.com>' });
    else smtp = { url: env.MESH_SMTP_URL, from: env.MESH_EMAIL_FROM };
  }
  const secrets = collectSecrets(raw, problems);
  return {
    config: {
      allowedHosts,
      maxResponseBytes: env.MESH_TOOL_MAX_RESPONSE_BYTES,
      timeoutMs: env.MESH_TOOL_TIMEOUT_MS,
      resultMaxChars: env.MESH_TOOL_RESULT_MAX_CHARS,
      maxDocumentBytes: env.MESH_TOOL_MAX_DOCUMENT_BYTES,
      maxRounds: env.MESH_TOOL_MAX_ROUNDS,
      smtp,
      secrets,
    },
    problems,
  };
}
