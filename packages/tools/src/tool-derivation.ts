import type { BoundTool } from '@mesh/core';
import type { JsonSchemaValidator } from './json-schema-validator';
import type { OutboundPolicy } from './outbound-policy';
import type { SecretResolver } from './secret-resolver';

/** What deriving a registration's tools needs (see deriveTools); each kind's deriver takes the same. */
export interface DeriveToolsDeps {
  policy: OutboundPolicy;
  secrets: SecretResolver;
  validator: JsonSchemaValidator;
  /** Bound of each remote step of a registration (fetching a document, connecting to and listing an MCP server). */
  timeoutMs?: number;
  /** Bytes of an OpenAPI document fetched from document_url. */
  maxDocumentBytes?: number;
}

/** The tools a registration yields, and what was left out of it and why. */
export interface DerivedToolSet {
  tools: BoundTool[];
  warnings: string[];
}
