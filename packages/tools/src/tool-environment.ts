import { BUILTIN_TOOL_NAMES, type BuiltinToolName } from '@mesh/core';
import { JsonSchemaValidator } from './json-schema-validator';
import { OutboundPolicy } from './outbound-policy';
import { secretResolver, type SecretResolver } from './secret-resolver';
import type { DeriveToolsDeps } from './tool-derivation';

/** The operator's tool settings (the `tools` part of the config). */
export interface ToolSettings {
  allowedHosts: readonly string[];
  maxResponseBytes: number;
  timeoutMs: number;
  maxDocumentBytes: number;
  smtp: { url: string; from: string } | null;
  /** `MESH_SECRET_<NAME>` values by NAME. */
  secrets: Readonly<Record<string, string>>;
}

/** What registering and running tools share in a process: built once from the settings. */
export interface ToolEnvironment {
  policy: OutboundPolicy;
  validator: JsonSchemaValidator;
  secrets: SecretResolver;
  /** The built-ins this server offers: `send_email` only when SMTP is configured. */
  builtins: BuiltinToolName[];
  /** Deriving a registration's tools (see deriveTools). */
  derive: DeriveToolsDeps;
  timeoutMs: number;
  smtp: ToolSettings['smtp'];
}

export function toolEnvironment(settings: ToolSettings): ToolEnvironment {
  const policy = new OutboundPolicy({ allowedHosts: [...settings.allowedHosts], maxResponseBytes: settings.maxResponseBytes, timeoutMs: settings.timeoutMs });
  const validator = new JsonSchemaValidator();
  const secrets = secretResolver(settings.secrets);
  return {
    policy,
    validator,
    secrets,
    builtins: BUILTIN_TOOL_NAMES.filter((name) => name !== 'send_email' || settings.smtp !== null),
    derive: { policy, validator, secrets, timeoutMs: settings.timeoutMs, maxDocumentBytes: settings.maxDocumentBytes },
    timeoutMs: settings.timeoutMs,
    smtp: settings.smtp,
  };
}
