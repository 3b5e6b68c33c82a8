import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, MeshEnv, TOOL_SECRET_PREFIX } from '@mesh/config';
import { REPO_ROOT } from '@mesh/testing';
import { parse } from 'yaml';
import { z } from 'zod';

const SCRIPT = join(REPO_ROOT, 'scripts', 'validate-compose');
const COMPOSE = join(REPO_ROOT, 'docker-compose.yml');

/** Runs scripts/validate-compose (never installing anything from a test). */
function validate(file: string, mode?: 'schema'): { status: number | null; output: string } {
  const result = spawnSync(SCRIPT, [file], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MESH_COMPOSE_NO_INSTALL: '1', ...(mode ? { MESH_COMPOSE_VALIDATOR: mode } : {}) },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function readEnvExample(): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(join(REPO_ROOT, '.env.example'), 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) vars[match[1]!] = match[2]!;
  }
  return vars;
}

/** Every variable an environment schema names (the objects joined by `.and`). */
function envNames(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodIntersection) return [...envNames(schema.def.left as z.ZodType), ...envNames(schema.def.right as z.ZodType)];
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  return [];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const compose = parse(readFileSync(COMPOSE, 'utf8'), { merge: true }) as any;

describe('deployment files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'compose-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('docker-compose.yml passes `docker compose config` (or the compose-spec schema where no compose command exists)', () => {
    const result = validate(COMPOSE);
    expect({ status: result.status, output: result.output }).toEqual({ status: 0, output: expect.stringMatching(/config: OK|schema: OK/) });
  });

  it('passes the offline compose-spec schema check too, and both checks reject a broken file', () => {
    expect(validate(COMPOSE, 'schema')).toEqual({ status: 0, output: expect.stringContaining('compose-spec schema: OK') });
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, readFileSync(COMPOSE, 'utf8').replace('replicas: 2', 'replicas: many').replace('    init: true', '    init: true\n    restartt: always'));
    const offline = validate(broken, 'schema');
    expect(offline.status).toBe(1);
    expect(offline.output).toContain('must be integer');
    expect(validate(broken).status).not.toBe(0);
    const missingVariable = join(dir, 'missing.yml');
    writeFileSync(missingVariable, readFileSync(COMPOSE, 'utf8').replaceAll('POSTGRES_PASSWORD:?', 'MESH_UNSET_PASSWORD:?'));
    expect(validate(missingVariable, 'schema').status).toBe(1);
    expect(validate(missingVariable).status).not.toBe(0);
  });

  it('runs Redis with AOF and noeviction on a volume, Postgres on a volume, every app process with a healthcheck and the .env file', () => {
    const { services, volumes } = compose;
    expect(services.redis.command.join(' ')).toMatch(/--appendonly yes.*--maxmemory-policy noeviction/);
    expect(services.redis.volumes).toEqual(['redis-data:/data']);
    expect(services.postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(Object.keys(volumes).sort()).toEqual(['postgres-data', 'redis-data']);
    for (const name of ['redis', 'postgres']) expect(services[name].healthcheck.test).toBeDefined();
    const apps = Object.entries(services).filter(([name]) => !['redis', 'postgres'].includes(name)) as [string, any][];
    expect(apps.map(([name]) => name).sort()).toEqual(['api', 'coordinator', 'worker-all', 'worker-content', 'worker-insights']);
    for (const [name, service] of apps) {
      expect({ name, env_file: service.env_file, healthcheck: service.healthcheck.test.join(' ') }).toEqual({ name, env_file: '.env', healthcheck: expect.stringContaining('/readyz') });
      expect(service.depends_on).toEqual({ redis: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
      expect(service.deploy.replicas).toBeGreaterThanOrEqual(1);
      const [, entry, ...args] = service.command as string[];
      expect(entry).toMatch(/^apps\/(api|coordinator|worker)\/dist\/main\.js$/);
      if (name.startsWith('worker-')) expect(args[0]).toBe('--agents');
    }
    expect(services['worker-all'].command.slice(-2)).toEqual(['--agents', 'all']);
  });

  it('builds one image in stages on the Node.js LTS of .nvmrc: npm ci and the build first, then a slim runtime with production dependencies', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const lts = readFileSync(join(REPO_ROOT, '.nvmrc'), 'utf8').trim();
    expect(lts).toBe('26');
    expect(dockerfile).toMatch(new RegExp(`^FROM node:${lts}-slim AS build$`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`^FROM node:${lts}-slim AS runtime$`, 'm'));
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build\b/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '.env', '.git']));
  });

  it('.env.example names only real settings and is a valid production configuration', () => {
    const example = readEnvExample();
    const known = new Set(envNames(MeshEnv));
    expect(known).toContain('MESH_TOOL_MAX_ROUNDS');
    const composeOnly = ['POSTGRES_PASSWORD', 'API_PORT'];
    expect(Object.keys(example).filter((k) => !known.has(k) && !composeOnly.includes(k) && !k.startsWith(TOOL_SECRET_PREFIX))).toEqual([]);
    const config = loadConfig({ ...example, REDIS_URL: 'redis://redis:6379', DATABASE_URL: 'postgres://mesh:pw@postgres:5432/mesh' });
    expect(config.env).toBe('production');
    expect(config.webhooks.secret).toBe(example['MESH_WEBHOOK_SECRET']);
  });
});
