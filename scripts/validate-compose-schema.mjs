// Offline fallback of scripts/validate-compose: what `docker compose config -q` checks, without
// the command. Parses the file (YAML with merge keys), interpolates ${VAR}, ${VAR:-default} and
// ${VAR:?error} from the .env file, validates against the vendored compose-spec JSON schema and
// checks references (depends_on, named volumes, env_file). Exit 0 when valid, 1 with reasons.
//   node scripts/validate-compose-schema.mjs <docker-compose.yml> [.env]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const [file, envFile] = process.argv.slice(2);
if (!file) {
  console.error('usage: validate-compose-schema.mjs <docker-compose.yml> [.env]');
  process.exit(2);
}
const projectDir = dirname(resolve(file));
const problems = [];

function readDotEnv(path) {
  const vars = {};
  if (!path || !existsSync(path)) return vars;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0) {
      problems.push(`${path}: not KEY=VALUE: ${line}`);
      continue;
    }
    vars[line.slice(0, at).trim()] = line.slice(at + 1).trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

const variables = { ...readDotEnv(envFile ?? join(projectDir, '.env')), ...process.env };

/** Compose interpolation: $$ escapes, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR. */
function interpolate(value, where) {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, name, op, arg, bare) => {
    if (match === '$$') return '$';
    const key = name ?? bare;
    const set = Object.prototype.hasOwnProperty.call(variables, key);
    const value = set ? variables[key] : undefined;
    const empty = value === undefined || (op?.startsWith(':') && value === '');
    if (op === ':-' || op === '-') return empty ? arg : value;
    if (op === ':?' || op === '?') {
      if (empty) problems.push(`${where}: required variable ${key} is missing${arg ? `: ${arg}` : ''}`);
      return value ?? '';
    }
    return value ?? '';
  });
}

function interpolateAll(node, path = '') {
  if (typeof node === 'string') return interpolate(node, path || '(root)');
  if (Array.isArray(node)) return node.map((item, i) => interpolateAll(item, `${path}[${i}]`));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, path ? `${path}.${k}` : k)]));
  }
  return node;
}

let document;
try {
  document = parse(readFileSync(file, 'utf8'), { merge: true, uniqueKeys: true });
} catch (err) {
  console.error(`${file}: not valid YAML: ${err.message}`);
  process.exit(1);
}
if (!document || typeof document !== 'object') {
  console.error(`${file}: not a mapping`);
  process.exit(1);
}
const config = interpolateAll(document);

/** The vendored schema labels sub-schemas with draft-04 `id` strings; they are labels only, and Ajv refuses them. */
function withoutIds(node) {
  if (Array.isArray(node)) return node.map(withoutIds);
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutIds(v)]));
  }
  return node;
}
const schema = withoutIds(JSON.parse(readFileSync(join(here, 'compose-spec', 'compose_spec.json'), 'utf8')));
delete schema.$schema;
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(schema);
if (!validate(config)) {
  for (const e of validate.errors ?? []) problems.push(`${e.instancePath || '(root)'} ${e.message}${e.params?.additionalProperty ? `: ${e.params.additionalProperty}` : ''}`);
}

const services = config.services ?? {};
const volumes = config.volumes ?? {};
if (Object.keys(services).length === 0) problems.push('services: none defined');
for (const [name, service] of Object.entries(services)) {
  if (!service || typeof service !== 'object') continue;
  if (!service.image && !service.build) problems.push(`services.${name}: needs an image or a build`);
  const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
  for (const dep of dependsOn) if (!(dep in services)) problems.push(`services.${name}.depends_on: unknown service ${dep}`);
  for (const volume of service.volumes ?? []) {
    const source = typeof volume === 'string' ? volume.split(':')[0] : volume?.source;
    const named = source && !source.startsWith('.') && !source.startsWith('/') && !source.startsWith('~') && (typeof volume === 'string' ? volume.includes(':') : volume?.type !== 'bind');
    if (named && !(source in volumes)) problems.push(`services.${name}.volumes: named volume ${source} is not declared under volumes`);
  }
  const envFiles = service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file];
  for (const entry of envFiles) {
    const path = typeof entry === 'string' ? entry : entry?.path;
    const required = typeof entry === 'string' || entry?.required !== false;
    if (path && required && !existsSync(resolve(projectDir, path))) problems.push(`services.${name}.env_file: ${path} does not exist`);
  }
}

if (problems.length > 0) {
  console.error(`${file} is not a valid compose file:\n  ${[...new Set(problems)].join('\n  ')}`);
  process.exit(1);
}
console.log('validate-compose: compose-spec schema: OK');
