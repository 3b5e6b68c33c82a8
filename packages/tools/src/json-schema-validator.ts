import Ajv, { type ErrorObject, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import type AjvCore from 'ajv/dist/core';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export interface JsonSchemaValidatorOptions {
  /** Compiled validators kept (by schema text); the oldest is dropped beyond it. */
  cacheSize?: number;
}

const DEFAULTS = { cacheSize: 500 };

type Dialect = 'draft-07' | '2019-09' | '2020-12';
export type ArgumentsCheck = { ok: true } | { ok: false; errors: string[] };

const DIALECTS: Record<string, Dialect> = {
  'http://json-schema.org/draft-07/schema': 'draft-07',
  'http://json-schema.org/draft-06/schema': 'draft-07',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
};

/** The dialect a schema declares with `$schema` (draft-07 when it declares none), or why it cannot be used. */
function dialectOf(schema: Record<string, unknown>): { dialect: Dialect } | { problem: string } {
  const declared = schema.$schema;
  if (declared === undefined) return { dialect: 'draft-07' };
  if (typeof declared !== 'string') return { problem: '$schema must be a string' };
  const dialect = DIALECTS[declared.replace(/#$/, '')];
  return dialect ? { dialect } : { problem: `$schema ${declared} is not supported (use draft-07, 2019-09 or 2020-12)` };
}

/** One line per problem: where in the value, and what is wrong. */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 20).map((error) => {
    const at = error.instancePath === '' ? 'arguments' : `arguments${error.instancePath}`;
    const extra = error.keyword === 'additionalProperties' ? `: ${String((error.params as { additionalProperty?: unknown }).additionalProperty)}` : '';
    return `${at} ${error.message ?? 'is invalid'}${extra}`;
  });
}

/**
 * JSON Schema with ajv: a tool's input schema is compiled at registration (strictly for schemas
 * a client wrote, leniently for those derived from OpenAPI documents and MCP servers, which the
 * client cannot fix), and a call's arguments are checked against it before anything runs.
 */
export class JsonSchemaValidator {
  private readonly cacheSize: number;
  private readonly instances = new Map<string, AjvCore>();
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(options: JsonSchemaValidatorOptions = {}) {
    this.cacheSize = options.cacheSize ?? DEFAULTS.cacheSize;
  }

  /** Why the schema cannot be a tool's input schema, or null: it must compile and describe an object. */
  inputSchemaProblem(schema: unknown, options: { strict: boolean }): string | null {
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return 'must be a JSON Schema object';
    const record = schema as Record<string, unknown>;
    if (record.type !== 'object') return 'must be a JSON Schema of "type": "object"';
    const declared = dialectOf(record);
    if ('problem' in declared) return declared.problem;
    try {
      this.ajv(declared.dialect, options.strict).compile(record);
      return null;
    } catch (err) {
      return `is not a valid JSON Schema: ${(err as Error).message}`;
    }
  }

  /** Checks arguments against a schema that passed `inputSchemaProblem`. Never throws. */
  validate(schema: Record<string, unknown>, value: unknown): ArgumentsCheck {
    let validate: ValidateFunction;
    try {
      validate = this.compiled(schema);
    } catch (err) {
      return { ok: false, errors: [`the tool's input schema does not compile: ${(err as Error).message}`] };
    }
    return validate(value) ? { ok: true } : { ok: false, errors: describeSchemaErrors(validate.errors) };
  }

  private compiled(schema: Record<string, unknown>): ValidateFunction {
    const key = JSON.stringify(schema);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const declared = dialectOf(schema);
    if ('problem' in declared) throw new Error(declared.problem);
    const validate = this.ajv(declared.dialect, false).compile(schema);
    this.cache.set(key, validate);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return validate;
  }

  private ajv(dialect: Dialect, strict: boolean): AjvCore {
    const key = `${dialect}:${strict}`;
    let ajv = this.instances.get(key);
    if (!ajv) {
      const options: AjvOptions = {
        allErrors: true,
        // Two tools may share a schema `$id`; schemas are compiled independently, never registered.
        addUsedSchema: false,
        logger: false,
        // Strict mode refuses unknown keywords (a typo like "requried" would otherwise mean nothing);
        // the type and tuple checks would refuse valid schemas, so they stay off.
        strict,
        strictTypes: false,
        strictTuples: false,
        strictRequired: false,
      };
      ajv = dialect === '2020-12' ? new Ajv2020(options) : dialect === '2019-09' ? new Ajv2019(options) : new Ajv(options);
      addFormats(ajv);
      this.instances.set(key, ajv);
    }
    return ajv;
  }
}
