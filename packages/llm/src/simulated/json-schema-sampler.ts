type Schema = Record<string, unknown>;

export interface SampleContext {
  rng: () => number;
  /** Words of the task, woven into strings so the content is about the task. */
  keywords: string[];
}

const MAX_DEPTH = 12;

function asSchema(value: unknown): Schema | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : undefined;
}

function resolveRef(ref: string, root: Schema): Schema | undefined {
  if (ref === '#') return root;
  const path = ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const part of path) node = asSchema(node)?.[part];
  return asSchema(node);
}

function pick<T>(items: readonly T[], rng: () => number): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(rng() * items.length)];
}

function slug(words: string[], index: number): string {
  const base = words.slice(0, 2).join('-') || 'item';
  return `${base}-${index + 1}`;
}

function fitLength(text: string, node: Schema): string {
  const min = typeof node['minLength'] === 'number' ? node['minLength'] : 0;
  const max = typeof node['maxLength'] === 'number' ? node['maxLength'] : Infinity;
  let out = text;
  while (out.length < min) out += ' simulated';
  if (out.length > max) out = out.slice(0, max).trimEnd();
  if (out.length < min) out = out.padEnd(min, 'x');
  return out;
}

const PHRASES = ['a focused plan for', 'key findings on', 'recommended next steps for', 'an assessment of', 'a concise summary of', 'practical guidance on'];

function sampleString(node: Schema, name: string, ctx: SampleContext, index: number): string {
  const format = node['format'];
  if (format === 'date-time') return new Date(Date.UTC(2026, 0, 1 + Math.floor(ctx.rng() * 28))).toISOString();
  if (format === 'date') return new Date(Date.UTC(2026, 0, 1 + Math.floor(ctx.rng() * 28))).toISOString().slice(0, 10);
  if (format === 'email') return `${slug(ctx.keywords, index)}@example.com`;
  if (format === 'uri' || format === 'url') return `https://example.com/${slug(ctx.keywords, index)}`;
  if (format === 'uuid') {
    const hex = Array.from({ length: 32 }, () => Math.floor(ctx.rng() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
  const lower = name.toLowerCase();
  if (lower === 'key' || lower === 'id' || lower.endsWith('_id') || lower.endsWith('_key') || lower === 'slug') return fitLength(slug(ctx.keywords, index), node);
  const topic = ctx.keywords.slice(0, 5).join(', ') || 'the request';
  const label = name ? name.replace(/[_-]+/g, ' ') : 'answer';
  const phrase = pick(PHRASES, ctx.rng) ?? PHRASES[0];
  return fitLength(`Simulated ${label}: ${phrase} ${topic}.`, node);
}

function sampleNumber(node: Schema, name: string, integer: boolean, ctx: SampleContext): number {
  const unitInterval = /confidence|score|probability|ratio|weight|importance/i.test(name);
  let min = typeof node['minimum'] === 'number' ? node['minimum'] : typeof node['exclusiveMinimum'] === 'number' ? node['exclusiveMinimum'] : unitInterval ? 0 : 1;
  let max = typeof node['maximum'] === 'number' ? node['maximum'] : typeof node['exclusiveMaximum'] === 'number' ? node['exclusiveMaximum'] : unitInterval ? 1 : Math.max(min, 100);
  if (max < min) [min, max] = [max, min];
  // Stay inside exclusive bounds and away from the edges of unit intervals.
  const low = min + (max - min) * 0.6;
  const value = low + (max - low) * 0.8 * ctx.rng();
  if (integer) {
    const rounded = Math.round(value);
    return Math.min(Math.max(rounded, Math.ceil(min)), Math.floor(max));
  }
  return Math.round(value * 100) / 100;
}

/**
 * A value valid against a JSON schema (the subset zod 4 emits: objects, arrays, strings with
 * length and format, numbers with bounds, enums, const, anyOf/oneOf/allOf, nullable, $ref),
 * deterministic for a given rng.
 */
export function sampleJsonSchema(schema: unknown, ctx: SampleContext): unknown {
  const root = asSchema(schema) ?? {};
  const visit = (value: unknown, name: string, index: number, depth: number): unknown => {
    let node = asSchema(value) ?? {};
    if (depth > MAX_DEPTH) return null;
    if (typeof node['$ref'] === 'string') node = { ...(resolveRef(node['$ref'], root) ?? {}), ...node, $ref: undefined };
    if ('const' in node) return node['const'];
    if (Array.isArray(node['enum'])) return pick(node['enum'], ctx.rng) ?? null;
    for (const combinator of ['anyOf', 'oneOf'] as const) {
      const options = node[combinator];
      if (Array.isArray(options)) {
        // Prefer a real value over null: the content should say something.
        const nonNull = options.filter((o) => asSchema(o)?.['type'] !== 'null');
        return visit(nonNull[0] ?? options[0], name, index, depth + 1);
      }
    }
    if (Array.isArray(node['allOf'])) {
      const merged = node['allOf'].reduce<Schema>((acc, part) => ({ ...acc, ...(asSchema(part) ?? {}) }), {});
      return visit({ ...node, allOf: undefined, ...merged }, name, index, depth + 1);
    }
    let type = node['type'];
    if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? 'null';
    if (type === undefined) type = node['properties'] ? 'object' : node['items'] ? 'array' : 'string';
    switch (type) {
      case 'object': {
        const properties = asSchema(node['properties']) ?? {};
        const out: Record<string, unknown> = {};
        for (const [key, sub] of Object.entries(properties)) out[key] = visit(sub, key, index, depth + 1);
        return out;
      }
      case 'array': {
        const minItems = typeof node['minItems'] === 'number' ? node['minItems'] : 0;
        const maxItems = typeof node['maxItems'] === 'number' ? node['maxItems'] : Infinity;
        const count = Math.min(Math.max(minItems, 1), maxItems);
        const items = Array.isArray(node['prefixItems']) ? node['prefixItems'] : undefined;
        return Array.from({ length: items ? items.length : count }, (_, i) => visit(items ? items[i] : node['items'], name.replace(/s$/, ''), i, depth + 1));
      }
      case 'string':
        return sampleString(node, name, ctx, index);
      case 'integer':
        return sampleNumber(node, name, true, ctx);
      case 'number':
        return sampleNumber(node, name, false, ctx);
      case 'boolean':
        return ctx.rng() < 0.5;
      case 'null':
        return null;
      default:
        return null;
    }
  };
  return visit(root, '', 0, 0);
}
