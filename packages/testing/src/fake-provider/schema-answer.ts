type Schema = Record<string, unknown>;

function asSchema(value: unknown): Schema | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : undefined;
}

/**
 * A value valid against the JSON schema a client sent (JSON Schema as Anthropic and OpenAI take
 * it, or Gemini's OpenAPI subset with upper-case types). Deterministic: the fake server's answers
 * are the same for the same request.
 */
export function answerForSchema(schema: unknown, topic: string): unknown {
  const root = asSchema(schema) ?? {};
  const visit = (value: unknown, name: string, index: number, depth: number): unknown => {
    let node = asSchema(value) ?? {};
    if (depth > 12) return null;
    const ref = node['$ref'];
    if (typeof ref === 'string') {
      let target: unknown = root;
      for (const part of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) target = asSchema(target)?.[part];
      node = { ...(asSchema(target) ?? {}), ...node, $ref: undefined };
    }
    if ('const' in node) return node['const'];
    if (Array.isArray(node['enum']) && node['enum'].length > 0) return node['enum'][0];
    for (const key of ['anyOf', 'oneOf'] as const) {
      const options = node[key];
      if (Array.isArray(options)) {
        const real = options.find((o) => String(asSchema(o)?.['type'] ?? '').toLowerCase() !== 'null');
        return visit(real ?? options[0], name, index, depth + 1);
      }
    }
    let type = node['type'];
    if (Array.isArray(type)) type = type.find((t) => String(t).toLowerCase() !== 'null') ?? 'null';
    type = String(type ?? (node['properties'] ? 'object' : node['items'] ? 'array' : 'string')).toLowerCase();
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [key, sub] of Object.entries(asSchema(node['properties']) ?? {})) out[key] = visit(sub, key, index, depth + 1);
        return out;
      }
      case 'array': {
        const min = Number(node['minItems'] ?? 0);
        const max = node['maxItems'] === undefined ? Infinity : Number(node['maxItems']);
        const count = Math.min(Math.max(min, 1), max);
        return Array.from({ length: count }, (_, i) => visit(node['items'], name, i, depth + 1));
      }
      case 'string': {
        const min = Number(node['minLength'] ?? 0);
        const max = node['maxLength'] === undefined ? Infinity : Number(node['maxLength']);
        let text = /^(key|id)$|_id$/.test(name) ? `${name || 'item'}-${index + 1}` : `fake ${name || 'text'} about ${topic}`;
        if (text.length > max) text = text.slice(0, max);
        return text.padEnd(min, '.');
      }
      case 'integer':
      case 'number': {
        // Without bounds (clients may move them into descriptions): 0.5 and 1 fit most fields.
        const min = node['minimum'] ?? node['exclusiveMinimum'];
        const max = node['maximum'] ?? node['exclusiveMaximum'];
        if (min === undefined && max === undefined) return type === 'integer' ? 1 : 0.5;
        const low = Number(min ?? Number(max) - 1);
        const high = Number(max ?? low + 1);
        const mid = (low + high) / 2;
        return type === 'integer' ? Math.ceil(mid) : mid;
      }
      case 'boolean':
        return true;
      default:
        return null;
    }
  };
  return visit(root, '', 0, 0);
}
