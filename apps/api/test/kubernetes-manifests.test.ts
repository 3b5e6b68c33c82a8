/**
 * deploy/kubernetes (docs/kubernetes.md), checked offline: no cluster, no kubectl or kustomize here.
 *
 * - A small kustomize renderer below builds each overlay the way `kubectl apply -k` would for the
 *   features these kustomizations use (resources, components, namespace, images, generators,
 *   strategic-merge patches) and refuses any other kustomization field, so a field it does not
 *   understand cannot be silently ignored. It does not append kustomize's name hashes to generated
 *   ConfigMaps and Secrets (kustomize rewrites the references to them, so names compare equal).
 * - Every document (of each file, and of each rendered overlay) is validated in a child Node
 *   process with the kubernetes-models class for its apiVersion/kind, or @kubernetes-models/keda
 *   for keda.sh (both are ESM-only, which this CommonJS jest setup cannot load). Those schemas
 *   accept unknown fields, so each field is also probed: a field is declared when putting a
 *   Symbol there makes the schema report that exact path. An unknown kind or field fails.
 * - The rules of issue 22 are functions returning a list of problems; each is shown to fail on a
 *   mutated copy at the end of this file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { loadConfig, MeshEnv, TOOL_SECRET_PREFIX } from '@mesh/config';
import { COORDINATOR_TYPE, DEFAULT_AGENTS } from '@mesh/core';
import { REPO_ROOT } from '@mesh/testing';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Doc = Record<string, any>;
interface Item {
  doc: Doc;
  /** The file it came from (relative to deploy/kubernetes), or `generator:<name>`. */
  source: string;
}
interface Rendered {
  name: string;
  dir: string;
  items: Item[];
  /** Env files read by generators: for a Secret, the committed `.example` stands in for a missing real file. */
  envFiles: { kind: 'ConfigMap' | 'Secret'; path: string; used: string }[];
}

const K8S = join(REPO_ROOT, 'deploy', 'kubernetes');
const OVERLAYS = ['development', 'production'];
const SPECIALISTS = DEFAULT_AGENTS.map((a) => a.type).filter((t) => t !== COORDINATOR_TYPE);
const APP_ENTRY = /^apps\/(api|coordinator|worker)\/dist\/main\.js$/;
/** The API's own request drain on SIGTERM (apps/api/src/server.ts, drainTimeoutMs). */
const API_DRAIN_SECONDS = 10;
/** What terminationGracePeriodSeconds must leave beyond the drain (and a preStop sleep). */
const GRACE_MARGIN_SECONDS = 5;
/** The image's user (`USER node` in the Dockerfile): uid 1000 in the node images. */
const NODE_UID = 1000;

// ---------------------------------------------------------------------------------------------
// Loading and a minimal kustomize

/** YAML 1.1, as kubectl reads it (sigs.k8s.io/yaml): an unquoted `yes` or `on` is a boolean there. */
function readYamlDocs(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1' });
  const out: Doc[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${relative(K8S, file)}: ${d.errors.map((e) => e.message).join('; ')}`);
    const value = d.toJS();
    if (value !== null && value !== undefined) out.push(value as Doc);
  }
  return out;
}

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'images', 'configMapGenerator', 'secretGenerator', 'patches']);
const GENERATOR_FIELDS = new Set(['name', 'behavior', 'literals', 'envs']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'CustomResourceDefinition']);

function readKustomization(dir: string): Doc {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${relative(K8S, dir)}: no kustomization.yaml`);
  const [k] = readYamlDocs(file);
  if (!k) throw new Error(`${relative(K8S, file)} is empty`);
  return k;
}

/** Every path a kustomization names, resolved, with what it is used as. */
function referencedPaths(dir: string): { use: string; path: string }[] {
  const k = readKustomization(dir);
  const refs: { use: string; path: string }[] = [];
  for (const r of k.resources ?? []) refs.push({ use: 'resource', path: resolve(dir, r) });
  for (const c of k.components ?? []) refs.push({ use: 'component', path: resolve(dir, c) });
  for (const p of k.patches ?? []) refs.push({ use: 'patch', path: resolve(dir, p.path) });
  for (const g of [...(k.configMapGenerator ?? []), ...(k.secretGenerator ?? [])]) {
    for (const e of g.envs ?? []) refs.push({ use: 'env file', path: resolve(dir, e) });
  }
  return refs;
}

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not KEY=value: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function generate(dir: string, kind: 'ConfigMap' | 'Secret', gen: Doc, envFiles: Rendered['envFiles']): Record<string, string> {
  for (const key of Object.keys(gen)) if (!GENERATOR_FIELDS.has(key)) throw new Error(`${relative(K8S, dir)}: unsupported generator field ${key}`);
  const data: Record<string, string> = {};
  for (const env of gen.envs ?? []) {
    let path = resolve(dir, env);
    if (!existsSync(path) && kind === 'Secret' && existsSync(`${path}.example`)) {
      envFiles.push({ kind, path, used: `${path}.example` });
      path = `${path}.example`;
    } else {
      envFiles.push({ kind, path, used: path });
    }
    Object.assign(data, parseEnvFile(readFileSync(path, 'utf8')));
  }
  for (const literal of gen.literals ?? []) {
    const eq = String(literal).indexOf('=');
    data[String(literal).slice(0, eq)] = String(literal).slice(eq + 1);
  }
  return data;
}

function toDataDoc(kind: 'ConfigMap' | 'Secret', name: string, data: Record<string, string>): Doc {
  if (kind === 'ConfigMap') return { apiVersion: 'v1', kind, metadata: { name }, data };
  return { apiVersion: 'v1', kind, type: 'Opaque', metadata: { name }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
}

/** Strategic-merge keys of the lists these manifests patch; any other list is replaced. */
function mergeKey(field: string, items: any[]): string | undefined {
  if (['containers', 'initContainers', 'env', 'volumes', 'imagePullSecrets'].includes(field)) return 'name';
  if (field === 'volumeMounts') return 'mountPath';
  if (field === 'ports') return items.some((p) => p && 'containerPort' in p) ? 'containerPort' : 'port';
  if (field === 'topologySpreadConstraints') return 'topologyKey';
  return undefined;
}

/** A strategic-merge patch for built-in kinds; a JSON merge patch (lists replaced) for custom resources. */
function mergePatch(target: any, patch: any, strategic: boolean, field = ''): any {
  if (Array.isArray(patch)) {
    const key = strategic && Array.isArray(target) ? mergeKey(field, [...target, ...patch]) : undefined;
    if (!key) return structuredClone(patch);
    const out = structuredClone(target) as any[];
    for (const p of patch) {
      const i = out.findIndex((t) => t?.[key] === p?.[key]);
      if (i >= 0) out[i] = mergePatch(out[i], p, strategic);
      else out.push(structuredClone(p));
    }
    return out;
  }
  if (patch && typeof patch === 'object') {
    const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = mergePatch(out[k], v, strategic, k);
    }
    return out;
  }
  return patch;
}

function labelSelectorMatches(selector: string, labels: Record<string, string> | undefined): boolean {
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels?.[k!.trim()] === v?.trim();
  });
}

function patchTargets(items: Item[], patch: Doc, target: Doc | undefined): Item[] {
  if (target) {
    return items.filter(({ doc }) =>
      (!target.kind || doc.kind === target.kind) &&
      (!target.name || doc.metadata?.name === target.name) &&
      (!target.labelSelector || labelSelectorMatches(target.labelSelector, doc.metadata?.labels)));
  }
  return items.filter(({ doc }) => doc.kind === patch.kind && doc.metadata?.name === patch.metadata?.name);
}

function podSpecs(doc: Doc): Doc[] {
  if (doc.kind === 'Pod') return [doc.spec];
  const spec = doc.spec?.template?.spec;
  return spec ? [spec] : [];
}

function containersOf(doc: Doc): Doc[] {
  return podSpecs(doc).flatMap((s) => [...(s.initContainers ?? []), ...(s.containers ?? [])]);
}

/** Applies one kustomization directory (a Kustomization or a Component) to `items`. */
function build(dir: string, expected: 'Kustomization' | 'Component', items: Item[] = [], envFiles: Rendered['envFiles'] = []): Item[] {
  const k = readKustomization(dir);
  if (k.kind !== expected) throw new Error(`${relative(K8S, dir)}: kind ${k.kind}, expected ${expected}`);
  for (const key of Object.keys(k)) if (!KUSTOMIZATION_FIELDS.has(key)) throw new Error(`${relative(K8S, dir)}: unsupported kustomization field ${key}`);
  const here = expected === 'Component' ? items : [];
  for (const r of k.resources ?? []) {
    const path = resolve(dir, r);
    if (!existsSync(path)) throw new Error(`${relative(K8S, dir)}: resource ${r} does not exist`);
    if (statSync(path).isDirectory()) here.push(...build(path, 'Kustomization', [], envFiles));
    else for (const doc of readYamlDocs(path)) here.push({ doc, source: relative(K8S, path) });
  }
  for (const c of k.components ?? []) {
    const path = resolve(dir, c);
    if (!existsSync(path)) throw new Error(`${relative(K8S, dir)}: component ${c} does not exist`);
    build(path, 'Component', here, envFiles);
  }
  for (const [field, kind] of [['configMapGenerator', 'ConfigMap'], ['secretGenerator', 'Secret']] as const) {
    for (const gen of k[field] ?? []) {
      const data = generate(dir, kind, gen, envFiles);
      const existing = here.find(({ doc }) => doc.kind === kind && doc.metadata?.name === gen.name);
      const behavior = gen.behavior ?? 'create';
      if (behavior === 'create') {
        if (existing) throw new Error(`${relative(K8S, dir)}: ${kind} ${gen.name} already exists (behavior: merge?)`);
        here.push({ doc: toDataDoc(kind, gen.name, data), source: `generator:${gen.name}` });
      } else {
        if (!existing) throw new Error(`${relative(K8S, dir)}: ${kind} ${gen.name} to ${behavior} does not exist`);
        const previous = kind === 'Secret' ? Object.fromEntries(Object.entries(existing.doc.data ?? {}).map(([key, v]) => [key, Buffer.from(String(v), 'base64').toString()])) : existing.doc.data;
        existing.doc = toDataDoc(kind, gen.name, behavior === 'merge' ? { ...previous, ...data } : data);
      }
    }
  }
  for (const p of k.patches ?? []) {
    const path = resolve(dir, p.path);
    if (!existsSync(path)) throw new Error(`${relative(K8S, dir)}: patch ${p.path} does not exist`);
    const docs = readYamlDocs(path);
    if (docs.length !== 1) throw new Error(`${relative(K8S, path)}: one strategic-merge patch per file`);
    const patch = docs[0]!;
    const matches = patchTargets(here, patch, p.target);
    if (matches.length === 0) throw new Error(`${relative(K8S, path)}: its target (${JSON.stringify(p.target ?? { kind: patch.kind, name: patch.metadata?.name })}) matches no resource`);
    for (const m of matches) {
      if (m.doc.kind !== patch.kind || m.doc.apiVersion !== patch.apiVersion) throw new Error(`${relative(K8S, path)} is a ${patch.apiVersion} ${patch.kind} patch for ${m.doc.apiVersion} ${m.doc.kind} ${m.doc.metadata?.name}`);
      const { metadata, ...body } = patch;
      const builtin = !String(patch.apiVersion).includes('.') || String(patch.apiVersion).includes('.k8s.io/');
      const merged = mergePatch(m.doc, { ...body, metadata: { ...metadata, name: m.doc.metadata.name } }, builtin);
      m.doc = merged;
    }
  }
  for (const image of k.images ?? []) {
    for (const { doc } of here) {
      for (const c of containersOf(doc)) {
        const [name] = String(c.image).split(/[:@]/);
        if (name !== image.name) continue;
        c.image = `${image.newName ?? image.name}${image.digest ? `@${image.digest}` : `:${image.newTag ?? 'latest'}`}`;
      }
    }
  }
  if (k.namespace) for (const { doc } of here) if (!CLUSTER_SCOPED.has(doc.kind)) doc.metadata = { ...doc.metadata, namespace: k.namespace };
  return here;
}

function render(overlay: string): Rendered {
  const dir = join(K8S, 'overlays', overlay);
  const envFiles: Rendered['envFiles'] = [];
  return { name: overlay, dir, items: build(dir, 'Kustomization', [], envFiles), envFiles };
}

// ---------------------------------------------------------------------------------------------
// Schema validation (child process: the model packages are ESM-only)

const VALIDATOR = String.raw`
import { readFileSync } from 'node:fs';
const input = JSON.parse(readFileSync(0, 'utf8'));
const modules = new Map();
async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return null;
  const spec = apiVersion.startsWith('keda.sh/') ? '@kubernetes-models/keda/' + apiVersion : 'kubernetes-models/' + apiVersion;
  if (!modules.has(spec)) modules.set(spec, await import(spec).catch(() => null));
  const mod = modules.get(spec);
  const Model = mod && Object.prototype.hasOwnProperty.call(mod, kind) ? mod[kind] : null;
  return Model && Model.apiVersion === apiVersion && Model.kind === kind ? Model : null;
}
function errorsOf(Model, doc) {
  try { new Model(doc).validate(); return []; } catch (err) { return err.errors ?? [{ instancePath: '', message: String(err) }]; }
}
const pointer = (path) => path.map((p) => '/' + String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
function setAt(doc, path, value) {
  let node = doc;
  for (const p of path.slice(0, -1)) node = node[p];
  node[path[path.length - 1]] = value;
}
function unknownFields(Model, doc) {
  const unknown = [];
  const walk = (node, path) => {
    if (Array.isArray(node)) { node.forEach((v, i) => walk(v, [...path, i])); return; }
    if (!node || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      const probe = structuredClone(doc);
      setAt(probe, [...path, key], Symbol('probe'));
      const at = pointer([...path, key]);
      if (errorsOf(Model, probe).some((e) => e.instancePath === at)) walk(node[key], [...path, key]);
      else unknown.push(at);
    }
  };
  walk(doc, []);
  return unknown;
}
(async () => {
  const out = [];
  for (const doc of input) {
    const Model = await modelFor(doc && doc.apiVersion, doc && doc.kind);
    if (!Model) { out.push(['unknown apiVersion/kind ' + (doc && doc.apiVersion) + ' ' + (doc && doc.kind)]); continue; }
    out.push([
      ...errorsOf(Model, doc).map((e) => (e.instancePath || '/') + ' ' + e.message),
      ...unknownFields(Model, doc).map((p) => p + ' is not a field of ' + doc.apiVersion + ' ' + doc.kind),
    ]);
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** Schema problems per document (same order), from the kubernetes-models and KEDA classes. */
function schemaProblems(docs: Doc[]): string[][] {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', VALIDATOR], {
    cwd: REPO_ROOT,
    input: JSON.stringify(docs),
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`validator failed: ${result.stderr || result.error}`);
  return JSON.parse(result.stdout) as string[][];
}

function at(item: Item): string {
  return `${item.source}: ${item.doc.kind} ${item.doc.metadata?.name}`;
}

// ---------------------------------------------------------------------------------------------
// Reading the rendered set

const byKind = (r: Rendered, kind: string): Doc[] => r.items.map((i) => i.doc).filter((d) => d.kind === kind);
const find = (r: Rendered, kind: string, name: string): Doc | undefined => byKind(r, kind).find((d) => d.metadata?.name === name);
const workloads = (r: Rendered): Doc[] => r.items.map((i) => i.doc).filter((d) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(d.kind));

function argv(c: Doc): string[] {
  return [...(c.command ?? []), ...(c.args ?? [])].map(String);
}
/** api, coordinator or worker for a container running one of the processes of the image. */
function processOf(c: Doc): string | undefined {
  const entry = argv(c).find((a) => APP_ENTRY.test(a));
  return entry ? APP_ENTRY.exec(entry)![1] : undefined;
}
function appContainers(d: Doc): Doc[] {
  return containersOf(d).filter((c) => processOf(c));
}
const appDeployments = (r: Rendered): Doc[] => byKind(r, 'Deployment').filter((d) => appContainers(d).length > 0);
function agentsArg(c: Doc): string | undefined {
  const a = argv(c);
  const i = a.indexOf('--agents');
  return i >= 0 ? a[i + 1] : a.find((x) => x.startsWith('--agents='))?.slice('--agents='.length);
}
function concurrencyArg(c: Doc): number | undefined {
  const a = argv(c);
  const i = a.indexOf('--concurrency');
  return i >= 0 ? Number(a[i + 1]) : undefined;
}

/** The environment a container gets: envFrom (in order), then env, as the kubelet builds it. */
function envOf(r: Rendered, c: Doc): Record<string, string> {
  const env: Record<string, string> = {};
  const dataOf = (kind: string, name: string): Record<string, string> => {
    const d = find(r, kind, name);
    if (!d) return {};
    return kind === 'Secret' ? Object.fromEntries(Object.entries(d.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()])) : { ...(d.data ?? {}) };
  };
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, dataOf('ConfigMap', from.configMapRef.name));
    if (from.secretRef) Object.assign(env, dataOf('Secret', from.secretRef.name));
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef) env[e.name] = dataOf('Secret', e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key] ?? '';
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = dataOf('ConfigMap', e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key] ?? '';
  }
  return env;
}
function configOf(r: Rendered, c: Doc) {
  return loadConfig(envOf(r, c));
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
const podLabels = (w: Doc): Record<string, string> | undefined => w.spec?.template?.metadata?.labels;

function scaledObjectFor(r: Rendered, d: Doc): Doc[] {
  return byKind(r, 'ScaledObject').filter((s) => (s.spec?.scaleTargetRef?.kind ?? 'Deployment') === 'Deployment' && s.spec?.scaleTargetRef?.name === d.metadata.name);
}
function minReplicas(r: Rendered, d: Doc): number {
  const [so] = scaledObjectFor(r, d);
  return so ? (so.spec.minReplicaCount ?? 0) : (d.spec?.replicas ?? 1);
}

/** Bytes in a Kubernetes quantity (Mi, Gi, M, G…) or a Redis memory size (mb, gb, m, g…). */
function bytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(String(q).trim());
  if (!m) return Number.NaN;
  const units: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30, m: 1e6, g: 1e9 };
  const unit = units[m[2]!] ?? units[m[2]!.toLowerCase()];
  return unit === undefined ? Number.NaN : Number(m[1]) * unit;
}

// ---------------------------------------------------------------------------------------------
// The rules. Each returns what is wrong (empty: fine).

function checkWorkers(r: Rendered): string[] {
  const problems: string[] = [];
  const workers = appDeployments(r).filter((d) => appContainers(d).some((c) => processOf(c) === 'worker'));
  const served = new Map<string, Doc>();
  for (const d of workers) {
    const [c, ...more] = appContainers(d);
    if (more.length > 0) problems.push(`${d.metadata.name}: one worker container per pod`);
    const agents = agentsArg(c!);
    if (!agents) { problems.push(`${d.metadata.name}: no --agents`); continue; }
    for (const t of agents.split(',')) {
      if (served.has(t)) problems.push(`--agents ${t}: both ${served.get(t)!.metadata.name} and ${d.metadata.name}`);
      served.set(t, d);
    }
  }
  for (const t of [...SPECIALISTS, 'all']) if (!served.has(t)) problems.push(`no worker Deployment with --agents ${t}`);
  for (const d of workers) if (agentsArg(appContainers(d)[0]!)?.includes(',')) problems.push(`${d.metadata.name}: one agent type per Deployment (each scales with its own queue)`);

  const scaled = byKind(r, 'ScaledObject');
  if (scaled.length === 0) return problems;
  const dedicated = [...served.keys()].filter((t) => t !== 'all');
  for (const d of appDeployments(r)) {
    const c = appContainers(d)[0]!;
    const kind = processOf(c);
    if (kind === 'api') continue;
    const sos = scaledObjectFor(r, d);
    const name = d.metadata.name;
    if (sos.length !== 1) { problems.push(`${name}: ${sos.length} ScaledObjects (want 1)`); continue; }
    const so = sos[0]!;
    if (d.spec?.replicas !== undefined) problems.push(`${name}: spec.replicas is set though ${so.metadata.name} owns the count (every apply would reset it)`);
    if (!(so.spec.minReplicaCount >= 1)) problems.push(`${so.metadata.name}: minReplicaCount ${so.spec.minReplicaCount}: a pool at zero sends no heartbeat, so its type is never planned for`);
    if (!(so.spec.maxReplicaCount >= so.spec.minReplicaCount)) problems.push(`${so.metadata.name}: maxReplicaCount below minReplicaCount`);
    const triggers = so.spec.triggers ?? [];
    if (triggers.length !== 1 || triggers[0].type !== 'prometheus') { problems.push(`${so.metadata.name}: one prometheus trigger expected`); continue; }
    const { query = '', threshold, ignoreNullValues } = triggers[0].metadata ?? {};
    const config = configOf(r, c);
    const perPod = kind === 'worker' ? (concurrencyArg(c) ?? config.worker.concurrency) : config.coordinator.concurrency;
    if (Number(threshold) !== perPod) problems.push(`${so.metadata.name}: threshold ${threshold}, but each pod runs ${perPod} jobs at once`);
    const states = /state=~"([^"]+)"/.exec(query)?.[1]?.split('|') ?? [];
    for (const s of ['waiting', 'prioritized', 'active']) if (!states.includes(s)) problems.push(`${so.metadata.name}: the query does not count "${s}" jobs`);
    if (!/max by \((queue, )?state\)/.test(query)) problems.push(`${so.metadata.name}: the query does not de-duplicate the API replicas' gauges (max by state)`);
    if (ignoreNullValues !== 'false' || !so.spec.fallback) problems.push(`${so.metadata.name}: a missing metric must use the fallback (ignoreNullValues "false" and spec.fallback)`);
    const agents = kind === 'worker' ? agentsArg(c) : undefined;
    if (kind === 'coordinator') {
      if (!query.includes('queue="coordinator"')) problems.push(`${so.metadata.name}: the query does not read the coordinator queue`);
    } else if (agents === 'all') {
      const excluded = /queue!~"agent-\(([^)]*)\)"/.exec(query)?.[1]?.split('|').sort() ?? [];
      if (!query.includes('queue=~"agent-.+"')) problems.push(`${so.metadata.name}: the all pool's query does not read the agent-* queues`);
      if (JSON.stringify(excluded) !== JSON.stringify([...dedicated].sort())) problems.push(`${so.metadata.name}: the all pool's query excludes [${excluded}], the dedicated pools are [${[...dedicated].sort()}]`);
    } else {
      const queues = [...query.matchAll(/queue="(agent-[^"]+)"/g)].map((m) => m[1]);
      if (JSON.stringify(queues) !== JSON.stringify([`agent-${agents}`])) problems.push(`${so.metadata.name}: scales ${name} (--agents ${agents}) on queue(s) [${queues}]`);
    }
  }
  for (const so of scaled) if (!find(r, 'Deployment', so.spec?.scaleTargetRef?.name)) problems.push(`${so.metadata.name}: targets missing Deployment ${so.spec?.scaleTargetRef?.name}`);
  const all = workers.find((d) => agentsArg(appContainers(d)[0]!) === 'all');
  if (all && minReplicas(r, all) < 1) problems.push('the all pool can reach zero');
  return problems;
}

function portOf(c: Doc, port: string | number): number | undefined {
  const p = (c.ports ?? []).find((x: Doc) => x.name === port || x.containerPort === port);
  return p?.containerPort;
}

function checkProbes(r: Rendered): string[] {
  const problems: string[] = [];
  for (const d of appDeployments(r)) {
    for (const c of appContainers(d)) {
      const where = `${d.metadata.name}/${c.name}`;
      const env = envOf(r, c);
      const config = loadConfig(env);
      const expected = processOf(c) === 'api' ? config.http.port : config.metricsPort;
      if (!expected) problems.push(`${where}: METRICS_PORT is 0: no /livez or /readyz to probe`);
      for (const [probe, path] of [['livenessProbe', '/livez'], ['readinessProbe', '/readyz'], ['startupProbe', '/livez']] as const) {
        const p = c[probe];
        if (!p) { if (probe !== 'startupProbe') problems.push(`${where}: no ${probe}`); continue; }
        if (p.httpGet?.path !== path) problems.push(`${where}: ${probe} on ${p.httpGet?.path ?? 'no HTTP path'}, want ${path}`);
        const port = p.httpGet ? portOf(c, p.httpGet.port) : undefined;
        if (port === undefined) problems.push(`${where}: ${probe} port ${p.httpGet?.port} is not a port of the container`);
        else if (port !== expected) problems.push(`${where}: ${probe} on ${port}, but the process listens on ${expected}`);
      }
    }
  }
  return problems;
}

function preStopSeconds(c: Doc): number {
  const pre = c.lifecycle?.preStop;
  if (!pre) return 0;
  if (pre.sleep) return Number(pre.sleep.seconds);
  const cmd = (pre.exec?.command ?? []).map(String);
  return cmd[0] === 'sleep' ? Number(cmd[1]) : Number.NaN;
}

function checkGrace(r: Rendered): string[] {
  const problems: string[] = [];
  for (const d of appDeployments(r)) {
    const grace = d.spec.template.spec.terminationGracePeriodSeconds ?? 30;
    for (const c of appContainers(d)) {
      const drain = configOf(r, c).jobs.shutdownGraceMs / 1000;
      const needed = Math.max(drain, processOf(c) === 'api' ? API_DRAIN_SECONDS : 0) + preStopSeconds(c) + GRACE_MARGIN_SECONDS;
      if (!(grace >= needed)) problems.push(`${d.metadata.name}: terminationGracePeriodSeconds ${grace} < ${needed} (drain ${drain} s + preStop ${preStopSeconds(c)} s + ${GRACE_MARGIN_SECONDS} s)`);
    }
  }
  return problems;
}

function checkReferences(r: Rendered): string[] {
  const problems: string[] = [];
  const keyExists = (kind: string, name: string, key: string | undefined, where: string) => {
    const d = find(r, kind, name);
    if (!d) problems.push(`${where}: ${kind} ${name} does not exist`);
    else if (key !== undefined && !(key in (d.data ?? {}))) problems.push(`${where}: ${kind} ${name} has no key ${key}`);
  };
  for (const w of workloads(r)) {
    for (const spec of podSpecs(w)) {
      if (spec.serviceAccountName && !find(r, 'ServiceAccount', spec.serviceAccountName)) problems.push(`${w.metadata.name}: ServiceAccount ${spec.serviceAccountName} does not exist`);
      for (const v of spec.volumes ?? []) {
        if (v.configMap) keyExists('ConfigMap', v.configMap.name, undefined, `${w.metadata.name} volume ${v.name}`);
        if (v.secret) keyExists('Secret', v.secret.secretName, undefined, `${w.metadata.name} volume ${v.name}`);
      }
      const claims = new Set([...(spec.volumes ?? []).map((v: Doc) => v.name), ...(w.spec.volumeClaimTemplates ?? []).map((v: Doc) => v.metadata?.name)]);
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        const where = `${w.metadata.name}/${c.name}`;
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef && !from.configMapRef.optional) keyExists('ConfigMap', from.configMapRef.name, undefined, where);
          if (from.secretRef && !from.secretRef.optional) keyExists('Secret', from.secretRef.name, undefined, where);
        }
        for (const e of c.env ?? []) {
          const s = e.valueFrom?.secretKeyRef;
          const m = e.valueFrom?.configMapKeyRef;
          if (s && !s.optional) keyExists('Secret', s.name, s.key, `${where} env ${e.name}`);
          if (m && !m.optional) keyExists('ConfigMap', m.name, m.key, `${where} env ${e.name}`);
        }
        for (const m of c.volumeMounts ?? []) if (!claims.has(m.name)) problems.push(`${where}: volumeMount ${m.name} has no volume`);
      }
    }
    if (w.kind === 'StatefulSet' && !find(r, 'Service', w.spec.serviceName)) problems.push(`${w.metadata.name}: serviceName ${w.spec.serviceName} is not a Service`);
    if (!selects(w.spec?.selector?.matchLabels, podLabels(w))) problems.push(`${w.metadata.name}: its selector does not match its own pods`);
    for (const other of workloads(r)) {
      if (other !== w && selects(w.spec?.selector?.matchLabels, podLabels(other))) problems.push(`${w.metadata.name}: its selector also matches the pods of ${other.metadata.name}`);
    }
  }
  for (const s of byKind(r, 'Service')) {
    const targets = workloads(r).filter((w) => selects(s.spec?.selector, podLabels(w)));
    if (targets.length === 0) problems.push(`Service ${s.metadata.name} selects no pods`);
    for (const port of s.spec?.ports ?? []) {
      for (const w of targets) {
        if (!containersOf(w).some((c) => portOf(c, port.targetPort ?? port.port) !== undefined)) problems.push(`Service ${s.metadata.name}: targetPort ${port.targetPort ?? port.port} is not a port of ${w.metadata.name}`);
      }
    }
  }
  return problems;
}

function checkDisruptionBudgets(r: Rendered): string[] {
  const problems: string[] = [];
  const pdbs = byKind(r, 'PodDisruptionBudget');
  for (const d of appDeployments(r)) {
    const mine = pdbs.filter((p) => selects(p.spec?.selector?.matchLabels, podLabels(d)));
    if (mine.length !== 1) { problems.push(`${d.metadata.name}: ${mine.length} PodDisruptionBudgets (want 1)`); continue; }
    const { maxUnavailable, minAvailable } = mine[0]!.spec;
    const floor = minReplicas(r, d);
    if (maxUnavailable !== undefined ? !(Number.parseInt(String(maxUnavailable), 10) >= 1) : !(typeof minAvailable === 'number' && minAvailable < floor)) {
      problems.push(`${mine[0]!.metadata.name}: would block evictions at ${floor} replica(s) (maxUnavailable ${maxUnavailable}, minAvailable ${minAvailable})`);
    }
  }
  for (const p of pdbs) if (!workloads(r).some((w) => selects(p.spec?.selector?.matchLabels, podLabels(w)))) problems.push(`${p.metadata.name}: selects no pods`);
  return problems;
}

function checkRedis(r: Rendered): string[] {
  const problems: string[] = [];
  const redis = find(r, 'StatefulSet', 'redis');
  if (!redis) return ['no redis StatefulSet'];
  const c = containersOf(redis).find((x) => x.name === 'redis');
  const a = argv(c ?? {});
  const flag = (name: string) => (a.indexOf(name) >= 0 ? a[a.indexOf(name) + 1] : undefined);
  if (flag('--appendonly') !== 'yes') problems.push('redis: not --appendonly yes');
  if (flag('--maxmemory-policy') !== 'noeviction') problems.push('redis: not --maxmemory-policy noeviction');
  const dir = flag('--dir') ?? '/data';
  const mount = (c?.volumeMounts ?? []).find((m: Doc) => m.mountPath === dir);
  if (!mount || !(redis.spec.volumeClaimTemplates ?? []).some((t: Doc) => t.metadata?.name === mount.name)) problems.push(`redis: ${dir} is not on a PersistentVolumeClaim`);
  const limit = bytes(c?.resources?.limits?.memory);
  const max = bytes(flag('--maxmemory') ?? '');
  if (!(max > 0 && max < limit)) problems.push(`redis: --maxmemory ${flag('--maxmemory')} must be set below the memory limit ${c?.resources?.limits?.memory}`);
  if (flag('--requirepass') !== '$(REDIS_PASSWORD)' || !(c?.env ?? []).some((e: Doc) => e.name === 'REDIS_PASSWORD' && e.valueFrom?.secretKeyRef)) problems.push('redis: no password from the Secret');
  const password = envOf(r, c ?? {})['REDIS_PASSWORD'];
  for (const d of appDeployments(r)) {
    for (const app of appContainers(d)) {
      const url = new URL(envOf(r, app)['REDIS_URL'] ?? 'redis://missing');
      if (url.hostname === 'redis' && decodeURIComponent(url.password) !== password) problems.push(`${d.metadata.name}: REDIS_URL does not carry REDIS_PASSWORD`);
    }
  }
  return problems;
}

function checkImages(r: Rendered, overlayImage: string): string[] {
  const images = new Set(appDeployments(r).flatMap((d) => appContainers(d).map((c) => c.image)));
  const problems: string[] = [];
  if (images.size !== 1) problems.push(`the processes run ${images.size} images: ${[...images].join(', ')}`);
  for (const i of images) if (i !== overlayImage) problems.push(`image ${i}, the overlay sets ${overlayImage}`);
  const kinds = new Set(appDeployments(r).flatMap((d) => appContainers(d).map((c) => processOf(c))));
  for (const k of ['api', 'coordinator', 'worker']) if (!kinds.has(k)) problems.push(`no ${k} Deployment`);
  return problems;
}

function checkSecurity(r: Rendered): string[] {
  const problems: string[] = [];
  for (const w of workloads(r)) {
    for (const spec of podSpecs(w)) {
      if (spec.automountServiceAccountToken !== false) problems.push(`${w.metadata.name}: mounts a service account token it does not need`);
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        const where = `${w.metadata.name}/${c.name}`;
        const sc = { ...spec.securityContext, ...c.securityContext };
        if (sc.runAsNonRoot !== true || !(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0)) problems.push(`${where}: runAsNonRoot with a numeric runAsUser (the kubelet cannot check a user name)`);
        if (processOf(c) && sc.runAsUser !== NODE_UID) problems.push(`${where}: runAsUser ${sc.runAsUser}, the image's node user is ${NODE_UID}`);
        if (processOf(c) && c.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is writable`);
        if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
        if (!(c.securityContext?.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: capabilities not dropped`);
        for (const side of ['requests', 'limits']) for (const res of ['cpu', 'memory']) if (!c.resources?.[side]?.[res]) problems.push(`${where}: no ${side}.${res}`);
      }
    }
  }
  return problems;
}

/** Every variable an environment schema names (the objects joined by `.and`), as deployment.test.ts reads them. */
function envNames(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodIntersection) return [...envNames(schema.def.left as z.ZodType), ...envNames(schema.def.right as z.ZodType)];
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  return [];
}
/** Keys of mesh-secrets that are not settings of the processes: Redis's and Postgres's own passwords. */
const NOT_SETTINGS = ['REDIS_PASSWORD', 'POSTGRES_PASSWORD'];

function checkConfig(r: Rendered): string[] {
  const problems: string[] = [];
  // A misspelt setting would be ignored silently: every key the pods get must be a real one.
  const known = new Set(envNames(MeshEnv));
  for (const d of appDeployments(r)) {
    for (const c of appContainers(d)) {
      const unknown = Object.keys(envOf(r, c)).filter((k) => !known.has(k) && !NOT_SETTINGS.includes(k) && !k.startsWith(TOOL_SECRET_PREFIX));
      if (unknown.length > 0) problems.push(`${d.metadata.name}: not settings: ${unknown.join(', ')}`);
      // Unset, they default to 127.0.0.1: nothing listens there in a pod.
      for (const url of ['REDIS_URL', 'DATABASE_URL']) {
        const host = URL.canParse(envOf(r, c)[url] ?? '') ? new URL(envOf(r, c)[url]!).hostname : '';
        if (!host || ['localhost', '127.0.0.1', '[::1]'].includes(host)) problems.push(`${d.metadata.name}: ${url} does not name a server (${host || 'unset'})`);
      }
    }
  }
  for (const d of appDeployments(r)) {
    for (const c of appContainers(d)) {
      try {
        const config = configOf(r, c);
        if (config.apiKeys.length === 0 || config.env !== 'production') problems.push(`${d.metadata.name}: not a production configuration with API keys`);
      } catch (err) {
        problems.push(`${d.metadata.name}: ${(err as Error).message}`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

function allYamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return allYamlFiles(path);
    return /\.ya?ml$/.test(e.name) ? [path] : [];
  });
}
const kustomizationDirs = (): string[] => allYamlFiles(K8S).filter((f) => f.endsWith('/kustomization.yaml')).map((f) => dirname(f));

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  // Rendered once; an overlay that does not build fails its own test below (and every test using it).
  const renderings = new Map<string, Rendered | Error>(OVERLAYS.map((o) => {
    try {
      return [o, render(o)];
    } catch (err) {
      return [o, err as Error];
    }
  }));
  const rendered = (o: string): Rendered => {
    const r = renderings.get(o);
    if (!r || r instanceof Error) throw r ?? new Error(`no overlay ${o}`);
    return r;
  };
  const overlayImage = (o: string): string => {
    const [image] = readKustomization(join(K8S, 'overlays', o)).images;
    return `${image.newName}:${image.newTag}`;
  };

  it('has a base, a KEDA component and the development and production overlays; every path a kustomization names exists', () => {
    expect(kustomizationDirs().map((d) => relative(K8S, d)).sort()).toEqual(['base', 'components/keda-autoscaling', 'overlays/development', 'overlays/production']);
    const missing = kustomizationDirs().flatMap((dir) => referencedPaths(dir).filter((p) => p.use !== 'env file' && !existsSync(p.path)).map((p) => `${relative(K8S, dir)}: ${p.use} ${relative(K8S, p.path)}`));
    expect(missing).toEqual([]);
    for (const o of OVERLAYS) expect(referencedPaths(join(K8S, 'overlays', o)).filter((p) => p.use === 'resource').map((p) => relative(K8S, p.path))).toContain('base');
  });

  it.each(OVERLAYS)('builds the %s overlay (resources, components, generators, patches, images, namespace)', (o) => {
    const r = renderings.get(o);
    expect(r instanceof Error ? r.message : `${r!.items.length} documents`).toMatch(/^\d+ documents$/);
  });

  it('applies no manifest file that no kustomization names (a stray file would never be deployed)', () => {
    const used = new Set(kustomizationDirs().flatMap((dir) => referencedPaths(dir).map((p) => p.path)));
    const stray = allYamlFiles(K8S).filter((f) => !f.endsWith('/kustomization.yaml') && !used.has(f)).map((f) => relative(K8S, f));
    expect(stray).toEqual([]);
  });

  it("validates every document of every file against the Kubernetes and KEDA schemas (patches: in the rendered overlays)", () => {
    const patchFiles = new Set(kustomizationDirs().flatMap((dir) => referencedPaths(dir).filter((p) => p.use === 'patch').map((p) => p.path)));
    const items = allYamlFiles(K8S)
      .filter((f) => !f.endsWith('/kustomization.yaml') && !patchFiles.has(f))
      .flatMap((f) => readYamlDocs(f).map((doc) => ({ doc, source: relative(K8S, f) })));
    expect(items.length).toBeGreaterThan(20);
    const problems = schemaProblems(items.map((i) => i.doc));
    expect(items.map((item, i) => ({ at: at(item), problems: problems[i] })).filter((x) => x.problems!.length > 0)).toEqual([]);
    const kinds = new Set(items.map((i) => `${i.doc.apiVersion} ${i.doc.kind}`));
    expect([...kinds].sort()).toEqual(['apps/v1 Deployment', 'apps/v1 StatefulSet', 'keda.sh/v1alpha1 ScaledObject', 'policy/v1 PodDisruptionBudget', 'v1 Namespace', 'v1 Service', 'v1 ServiceAccount']);
  });

  it.each(OVERLAYS)('renders the %s overlay into documents that all pass the schemas, patches included', (o) => {
    const r = rendered(o);
    const problems = schemaProblems(r.items.map((i) => i.doc));
    expect(r.items.map((item, i) => ({ at: at(item), problems: problems[i] })).filter((x) => x.problems!.length > 0)).toEqual([]);
  });

  it.each(OVERLAYS)('%s: every patch targets a resource of the base (or of a component)', (o) => {
    const dir = join(K8S, 'overlays', o);
    const k = readKustomization(dir);
    const underneath = build(join(K8S, 'base'), 'Kustomization');
    for (const c of k.components ?? []) build(resolve(dir, c), 'Component', underneath);
    expect((k.patches ?? []).length).toBeGreaterThan(0);
    for (const p of k.patches ?? []) {
      const [patch] = readYamlDocs(resolve(dir, p.path));
      const targets = patchTargets(underneath, patch!, p.target);
      expect({ patch: p.path, targets: targets.length > 0 }).toEqual({ patch: p.path, targets: true });
    }
  });

  it('runs one worker Deployment per default agent type plus `all`; production scales each with its own queue through KEDA', () => {
    expect([...SPECIALISTS].sort()).toEqual(['analytics', 'content', 'design', 'personalization']);
    expect(checkWorkers(rendered('development'))).toEqual([]);
    expect(byKind(rendered('development'), 'ScaledObject')).toEqual([]);
    expect(checkWorkers(rendered('production'))).toEqual([]);
    expect(byKind(rendered('production'), 'ScaledObject').map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['coordinator', 'worker-all', ...SPECIALISTS.map((t) => `worker-${t}`)].sort());
  });

  it.each(OVERLAYS)('%s: probes /livez and /readyz on the port each process serves them on', (o) => {
    expect(checkProbes(rendered(o))).toEqual([]);
  });

  it.each(OVERLAYS)('%s: terminationGracePeriodSeconds covers the SIGTERM drain', (o) => {
    expect(checkGrace(rendered(o))).toEqual([]);
  });

  it.each(OVERLAYS)('%s: every Secret, ConfigMap, key, volume, ServiceAccount, Service target and selector referred to exists', (o) => {
    expect(checkReferences(rendered(o))).toEqual([]);
  });

  it.each(OVERLAYS)('%s: a PodDisruptionBudget per process Deployment that never blocks a drain at the minimum replicas', (o) => {
    expect(checkDisruptionBudgets(rendered(o))).toEqual([]);
  });

  it.each(OVERLAYS)('%s: Redis with AOF, noeviction, a volume, a password and maxmemory under its limit', (o) => {
    expect(checkRedis(rendered(o))).toEqual([]);
  });

  it.each(OVERLAYS)('%s: one image for the API, coordinators and workers (the overlay\'s)', (o) => {
    expect(checkImages(rendered(o), overlayImage(o))).toEqual([]);
  });

  it.each(OVERLAYS)('%s: non-root pods with resources, read-only root filesystems and no service account token', (o) => {
    expect(checkSecurity(rendered(o))).toEqual([]);
  });

  it.each(OVERLAYS)('%s: every process gets a configuration that @mesh/config accepts', (o) => {
    expect(checkConfig(rendered(o))).toEqual([]);
  });

  it.each(OVERLAYS)('%s: has its own namespace', (o) => {
    const r = rendered(o);
    const ns = readKustomization(r.dir).namespace;
    expect(ns).toMatch(/^mesh/);
    expect(byKind(r, 'Namespace').map((n) => n.metadata.name)).toEqual([ns]);
    expect(r.items.filter(({ doc }) => doc.kind !== 'Namespace' && doc.metadata.namespace !== ns)).toEqual([]);
  });

  it('production: secrets come from a git-ignored env file with a committed .example; nothing secret is committed', () => {
    const r = rendered('production');
    const k = readKustomization(r.dir);
    expect(k.secretGenerator.map((g: Doc) => ({ name: g.name, literals: g.literals }))).toEqual([{ name: 'mesh-secrets', literals: undefined }]);
    const secretFiles = r.envFiles.filter((f) => f.kind === 'Secret');
    expect(secretFiles.length).toBe(1);
    const { path } = secretFiles[0]!;
    expect(existsSync(`${path}.example`)).toBe(true);
    const ignored = readFileSync(join(dirname(path), '.gitignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toContain(relative(dirname(path), path));
    const git = spawnSync('git', ['check-ignore', '-q', path], { cwd: REPO_ROOT });
    if (git.status !== 128) expect(git.status).toBe(0); // 128: not a git work tree
    // The example names every key a pod reads from the Secret.
    const example = parseEnvFile(readFileSync(`${path}.example`, 'utf8'));
    const wanted = workloads(r).flatMap((w) => containersOf(w).flatMap((c) => (c.env ?? []).map((e: Doc) => e.valueFrom?.secretKeyRef?.key).filter(Boolean)));
    expect(wanted.filter((key) => !(key in example))).toEqual([]);
    for (const key of ['MESH_API_KEYS', 'MESH_WEBHOOK_SECRET', 'DATABASE_URL', 'REDIS_URL', 'REDIS_PASSWORD']) expect(example).toHaveProperty(key);
    // No Secret documents in files: only generators make them.
    expect(r.items.filter((i) => i.doc.kind === 'Secret' && !i.source.startsWith('generator:'))).toEqual([]);
    // Production needs a managed Postgres: no in-cluster one.
    expect(find(r, 'StatefulSet', 'postgres')).toBeUndefined();
    expect(new URL(example['DATABASE_URL']!).hostname).not.toBe('postgres');
  });

  it('development: an in-cluster Postgres that DATABASE_URL points at, one pod per process', () => {
    const r = rendered('development');
    const pg = find(r, 'StatefulSet', 'postgres');
    expect(pg).toBeDefined();
    expect(pg!.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    const api = appContainers(find(r, 'Deployment', 'api')!)[0]!;
    const url = new URL(envOf(r, api)['DATABASE_URL']!);
    expect(url.hostname).toBe('postgres');
    expect(decodeURIComponent(url.password)).toBe(envOf(r, containersOf(pg!)[0]!)['POSTGRES_PASSWORD']);
    expect(appDeployments(r).map((d) => ({ name: d.metadata.name, replicas: d.spec.replicas ?? 1 })).filter((d) => d.replicas !== 1)).toEqual([]);
  });

  describe('each check fails on a broken copy', () => {
    const prod = (): Rendered => structuredClone(rendered('production'));
    const deployment = (r: Rendered, name: string): Doc => find(r, 'Deployment', name)!;
    const container = (r: Rendered, name: string): Doc => containersOf(deployment(r, name))[0]!;
    const scaledObject = (r: Rendered, name: string): Doc => find(r, 'ScaledObject', name)!;

    it('the schemas reject an unknown kind, a misspelt field, a wrong type, a field in a custom resource', () => {
      const r = prod();
      const d = structuredClone(deployment(r, 'api'));
      d.spec.template.spec.terminationGracePeriodSecond = 40;
      const typed = structuredClone(deployment(r, 'api'));
      typed.spec.replicas = 'three';
      const so = structuredClone(scaledObject(r, 'worker-content'));
      so.spec.triggers[0].authModes = 'basic'; // a trigger's authModes sits in metadata
      const soType = structuredClone(scaledObject(r, 'worker-content'));
      soType.spec.minReplicaCount = '1';
      const [unknown, misspelt, wrongType, soField, soWrongType, fine] = schemaProblems([{ ...d, kind: 'Deploymnet' }, d, typed, so, soType, deployment(r, 'api')]);
      expect(unknown).toEqual([expect.stringContaining('unknown apiVersion/kind')]);
      expect(misspelt).toEqual(['/spec/template/spec/terminationGracePeriodSecond is not a field of apps/v1 Deployment']);
      expect(wrongType).toEqual([expect.stringMatching(/^\/spec\/replicas .*integer/)]);
      expect(soField).toEqual(['/spec/triggers/0/authModes is not a field of keda.sh/v1alpha1 ScaledObject']);
      expect(soWrongType!.join()).toMatch(/minReplicaCount/);
      expect(fine).toEqual([]);
    });

    it('the renderer refuses a missing file, a patch that matches nothing, an unsupported kustomization field', () => {
      const dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
      try {
        const kustomization = (body: string) => writeFileSync(join(dir, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${body}`);
        writeFileSync(join(dir, 'patch.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker-seo\nspec:\n  replicas: 2\n');
        kustomization(`resources:\n  - ${join(K8S, 'base')}\n`);
        expect(build(dir, 'Kustomization').length).toBeGreaterThan(10);
        kustomization(`resources:\n  - ${join(K8S, 'base')}\n  - missing.yaml\n`);
        expect(() => build(dir, 'Kustomization')).toThrow('resource missing.yaml does not exist');
        kustomization(`resources:\n  - ${join(K8S, 'base')}\npatches:\n  - path: patch.yaml\n`);
        expect(() => build(dir, 'Kustomization')).toThrow(/patch\.yaml: its target .*worker-seo.* matches no resource/);
        kustomization(`resources:\n  - ${join(K8S, 'base')}\npatches:\n  - path: patch.yaml\n    target:\n      kind: Deployment\n      labelSelector: app.kubernetes.io/component=seo\n`);
        expect(() => build(dir, 'Kustomization')).toThrow(/matches no resource/);
        kustomization(`resources:\n  - ${join(K8S, 'base')}\ncommonLabels:\n  team: mesh\n`);
        expect(() => build(dir, 'Kustomization')).toThrow('unsupported kustomization field commonLabels');
        kustomization(`resources:\n  - ${join(K8S, 'base')}\nconfigMapGenerator:\n  - name: mesh-config\n    literals: [LOG_LEVEL=debug]\n`);
        expect(() => build(dir, 'Kustomization')).toThrow('ConfigMap mesh-config already exists');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('workers and ScaledObjects', () => {
      let r = prod();
      r.items = r.items.filter((i) => !(i.doc.kind === 'Deployment' && i.doc.metadata.name === 'worker-design'));
      expect(checkWorkers(r)).toEqual(expect.arrayContaining(['no worker Deployment with --agents design']));
      r = prod();
      container(r, 'worker-content').args = ['--agents', 'design'];
      expect(checkWorkers(r).join('\n')).toMatch(/--agents design: both|on queue\(s\) \[agent-content\]/);
      r = prod();
      scaledObject(r, 'worker-analytics').spec.triggers[0].metadata.query = scaledObject(r, 'worker-analytics').spec.triggers[0].metadata.query.replace('agent-analytics', 'agent-content');
      expect(checkWorkers(r)).toEqual([expect.stringContaining('worker-analytics: scales worker-analytics (--agents analytics) on queue(s) [agent-content]')]);
      r = prod();
      scaledObject(r, 'worker-content').spec.triggers[0].metadata.query = scaledObject(r, 'worker-content').spec.triggers[0].metadata.query.replace('|prioritized', '');
      expect(checkWorkers(r)).toEqual(['worker-content: the query does not count "prioritized" jobs']);
      r = prod();
      scaledObject(r, 'worker-content').spec.triggers[0].metadata.query = scaledObject(r, 'worker-content').spec.triggers[0].metadata.query.replace('max by (state) ', '');
      expect(checkWorkers(r)).toEqual([expect.stringContaining('de-duplicate')]);
      r = prod();
      scaledObject(r, 'worker-design').spec.triggers[0].metadata.threshold = '50';
      expect(checkWorkers(r)).toEqual(['worker-design: threshold 50, but each pod runs 100 jobs at once']);
      r = prod();
      container(r, 'worker-design').args.push('--concurrency', '50');
      expect(checkWorkers(r)).toEqual(['worker-design: threshold 100, but each pod runs 50 jobs at once']);
      r = prod();
      scaledObject(r, 'coordinator').spec.triggers[0].metadata.threshold = '100';
      expect(checkWorkers(r)).toEqual(['coordinator: threshold 100, but each pod runs 50 jobs at once']);
      r = prod();
      scaledObject(r, 'worker-personalization').spec.minReplicaCount = 0;
      expect(checkWorkers(r)).toEqual([expect.stringContaining('minReplicaCount 0')]);
      r = prod();
      scaledObject(r, 'worker-all').spec.triggers[0].metadata.query = scaledObject(r, 'worker-all').spec.triggers[0].metadata.query.replace('|personalization', '');
      expect(checkWorkers(r)).toEqual([expect.stringContaining("the all pool's query excludes")]);
      r = prod();
      deployment(r, 'worker-all').spec.replicas = 2;
      expect(checkWorkers(r)).toEqual([expect.stringContaining('worker-all: spec.replicas is set')]);
      r = prod();
      r.items = r.items.filter((i) => !(i.doc.kind === 'ScaledObject' && i.doc.metadata.name === 'worker-all'));
      expect(checkWorkers(r)).toEqual(['worker-all: 0 ScaledObjects (want 1)']);
      r = prod();
      scaledObject(r, 'worker-content').spec.triggers[0].metadata.ignoreNullValues = 'true';
      expect(checkWorkers(r)).toEqual([expect.stringContaining('fallback')]);
    });

    it('probes', () => {
      let r = prod();
      container(r, 'worker-content').readinessProbe.httpGet.path = '/livez';
      expect(checkProbes(r)).toEqual(['worker-content/worker: readinessProbe on /livez, want /readyz']);
      r = prod();
      container(r, 'api').livenessProbe.httpGet.port = 'metrics';
      expect(checkProbes(r)).toEqual(['api/api: livenessProbe port metrics is not a port of the container']);
      r = prod();
      container(r, 'coordinator').ports[0].containerPort = 9465;
      container(r, 'coordinator').ports[0].name = 'metrics';
      expect(checkProbes(r)).toHaveLength(3);
      r = prod();
      container(r, 'api').env.find((e: Doc) => e.name === 'PORT').value = '3000';
      expect(checkProbes(r)).toHaveLength(3);
      r = prod();
      delete container(r, 'worker-all').livenessProbe;
      expect(checkProbes(r)).toEqual(['worker-all/worker: no livenessProbe']);
    });

    it('grace period', () => {
      let r = prod();
      deployment(r, 'worker-content').spec.template.spec.terminationGracePeriodSeconds = 29;
      expect(checkGrace(r)).toEqual(['worker-content: terminationGracePeriodSeconds 29 < 30 (drain 25 s + preStop 0 s + 5 s)']);
      r = prod();
      find(r, 'ConfigMap', 'mesh-config')!.data.MESH_SHUTDOWN_GRACE_MS = '60000';
      expect(checkGrace(r)).toHaveLength(appDeployments(r).length);
      r = prod();
      container(r, 'api').lifecycle.preStop.exec.command = ['sleep', '20'];
      expect(checkGrace(r)).toEqual([expect.stringMatching(/^api: terminationGracePeriodSeconds 40 < 50/)]);
    });

    it('references', () => {
      let r = prod();
      r.items = r.items.filter((i) => i.doc.kind !== 'Secret');
      expect(checkReferences(r).filter((p) => p.includes('Secret mesh-secrets does not exist')).length).toBe(appDeployments(r).length + 2);
      r = prod();
      container(r, 'worker-design').envFrom[0].configMapRef.name = 'mesh-settings';
      expect(checkReferences(r)).toEqual(['worker-design/worker: ConfigMap mesh-settings does not exist']);
      r = prod();
      delete find(r, 'Secret', 'mesh-secrets')!.data.REDIS_PASSWORD;
      expect(checkReferences(r)).toEqual(['redis/redis env REDIS_PASSWORD: Secret mesh-secrets has no key REDIS_PASSWORD', 'redis/redis env REDISCLI_AUTH: Secret mesh-secrets has no key REDIS_PASSWORD']);
      r = prod();
      deployment(r, 'worker-all').spec.template.metadata.labels['app.kubernetes.io/name'] = 'worker-content';
      expect(checkReferences(r).sort()).toEqual(['worker-all: its selector does not match its own pods', 'worker-content: its selector also matches the pods of worker-all']);
      r = prod();
      find(r, 'Service', 'api')!.spec.ports[0].targetPort = 'web';
      expect(checkReferences(r)).toEqual(['Service api: targetPort web is not a port of api']);
      r = prod();
      r.items = r.items.filter((i) => i.doc.kind !== 'ServiceAccount');
      expect(checkReferences(r)).toHaveLength(appDeployments(r).length);
    });

    it('disruption budgets', () => {
      let r = prod();
      const pdb = find(r, 'PodDisruptionBudget', 'worker-content')!;
      delete pdb.spec.maxUnavailable;
      pdb.spec.minAvailable = 1;
      expect(checkDisruptionBudgets(r)).toEqual([expect.stringContaining('worker-content: would block evictions at 1 replica(s)')]);
      r = prod();
      find(r, 'PodDisruptionBudget', 'api')!.spec.maxUnavailable = 0;
      expect(checkDisruptionBudgets(r)).toEqual([expect.stringContaining('api: would block evictions')]);
      r = prod();
      r.items = r.items.filter((i) => !(i.doc.kind === 'PodDisruptionBudget' && i.doc.metadata.name === 'coordinator'));
      expect(checkDisruptionBudgets(r)).toEqual(['coordinator: 0 PodDisruptionBudgets (want 1)']);
    });

    it('redis', () => {
      const redisArgs = (r: Rendered): string[] => containersOf(find(r, 'StatefulSet', 'redis')!)[0]!.args;
      let r = prod();
      redisArgs(r)[redisArgs(r).indexOf('--maxmemory-policy') + 1] = 'allkeys-lru';
      expect(checkRedis(r)).toEqual(['redis: not --maxmemory-policy noeviction']);
      r = prod();
      redisArgs(r)[redisArgs(r).indexOf('--appendonly') + 1] = 'no';
      expect(checkRedis(r)).toEqual(['redis: not --appendonly yes']);
      r = prod();
      redisArgs(r)[redisArgs(r).indexOf('--maxmemory') + 1] = '8gb';
      expect(checkRedis(r)).toEqual([expect.stringContaining('below the memory limit')]);
      r = prod();
      find(r, 'StatefulSet', 'redis')!.spec.volumeClaimTemplates[0].metadata.name = 'other';
      expect(checkRedis(r)).toEqual(['redis: /data is not on a PersistentVolumeClaim']);
      r = prod();
      const secret = find(r, 'Secret', 'mesh-secrets')!;
      secret.data.REDIS_URL = Buffer.from('redis://redis:6379').toString('base64');
      expect(checkRedis(r)).toHaveLength(appDeployments(r).length);
    });

    it('images', () => {
      let r = prod();
      container(r, 'worker-analytics').image = 'registry.example.com/agent-mesh:0.0.9';
      expect(checkImages(r, overlayImage('production'))).toEqual([expect.stringContaining('2 images'), 'image registry.example.com/agent-mesh:0.0.9, the overlay sets registry.example.com/agent-mesh:0.1.0']);
      r = prod();
      r.items = r.items.filter((i) => !(i.doc.kind === 'Deployment' && i.doc.metadata.name === 'coordinator'));
      expect(checkImages(r, overlayImage('production'))).toEqual(['no coordinator Deployment']);
    });

    it('security and resources', () => {
      let r = prod();
      delete deployment(r, 'api').spec.template.spec.securityContext.runAsUser;
      expect(checkSecurity(r)).toEqual([expect.stringContaining('api/api: runAsNonRoot with a numeric runAsUser'), expect.stringContaining('api/api: runAsUser undefined')]);
      r = prod();
      delete container(r, 'worker-content').resources.limits;
      expect(checkSecurity(r)).toEqual(['worker-content/worker: no limits.cpu', 'worker-content/worker: no limits.memory']);
      r = prod();
      container(r, 'coordinator').securityContext.allowPrivilegeEscalation = true;
      expect(checkSecurity(r)).toEqual(['coordinator/coordinator: allowPrivilegeEscalation is not false']);
    });

    it('configuration', () => {
      let r = prod();
      find(r, 'ConfigMap', 'mesh-config')!.data.MESH_WORKER_CONCURENCY = '50';
      expect(checkConfig(r)).toHaveLength(appDeployments(r).length);
      expect(checkConfig(r)[0]).toMatch(/not settings: MESH_WORKER_CONCURENCY$/);
      r = prod();
      find(r, 'ConfigMap', 'mesh-config')!.data.MESH_WORKER_CONCURRENCY = 'lots';
      expect(checkConfig(r)).toHaveLength(appDeployments(r).length);
      r = prod();
      delete find(r, 'Secret', 'mesh-secrets')!.data.MESH_API_KEYS;
      expect(checkConfig(r).length).toBeGreaterThan(0);
      r = prod();
      delete find(r, 'Secret', 'mesh-secrets')!.data.REDIS_URL;
      expect(checkConfig(r)).toEqual(appDeployments(r).map((d) => `${d.metadata.name}: REDIS_URL does not name a server (unset)`));
    });
  });
});
