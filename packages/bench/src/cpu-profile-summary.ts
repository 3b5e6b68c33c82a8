import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  selfMs: number;
  /** Share of the process's busy time (idle excluded). */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  idleMs: number;
  functions: HotSpot[];
  /** Self time by where the code lives: a dependency, one of our packages, Node itself, GC. */
  areas: HotSpot[];
  /**
   * Self time charged to the nearest calling package: native and Node frames (socket writes,
   * buffer copies) count for the dependency or package that called them, so `pg` includes the
   * writes to its socket.
   */
  owners: HotSpot[];
  /** Our own functions (packages/*, apps/*) by inclusive time: the function and everything it called. */
  inclusive: HotSpot[];
}

// The benchmark's own counting hook wraps pg and ioredis calls: transparent, so its frames
// neither own time nor show as inclusive hotspots.
const HOOK_AREA = '@mesh/bench';

function isPackageArea(area: string): boolean {
  return area !== HOOK_AREA && !area.startsWith('(') && area !== 'node (runtime)' && !area.startsWith('/') && !area.startsWith('file:');
}

/** Where a frame's code lives: `bullmq`, `pg`, `@mesh/store`, `node:internal`, `(garbage collector)`… */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dep) return dep[1]!;
  const ours = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (ours) return ours[1] === 'apps' ? `apps/${ours[2]}` : `@mesh/${ours[2]}`;
  if (url.startsWith('node:')) return 'node (runtime)';
  return url;
}

function shortUrl(url: string): string {
  const i = url.search(/node_modules\/|packages\/|apps\//);
  return i >= 0 ? url.slice(i).replace(/^node_modules\//, '') : url.replace(/^file:\/\//, '');
}

/** Self time per function and per area of one V8 .cpuprofile (as written by --cpu-prof). */
export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const name = `${functionName || '(anonymous)'}${url ? ` ${shortUrl(url)}:${lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  // Owners and inclusive times need the tree: walk it from the root (the first node).
  const owners = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const nameOf = (n: CpuProfileNode) => `${n.callFrame.functionName || '(anonymous)'}${n.callFrame.url ? ` ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : ''}`;
  const totalOf = new Map<number, number>();
  const total = (id: number): number => {
    const cached = totalOf.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id);
    let sum = selfUs.get(id) ?? 0;
    for (const c of node?.children ?? []) sum += total(c);
    if (node?.callFrame.functionName === '(idle)') sum = 0;
    totalOf.set(id, sum);
    return sum;
  };
  const root = profile.nodes[0];
  const stack: { id: number; owner: string; open: Set<string> }[] = root ? [{ id: root.id, owner: 'node (runtime)', open: new Set() }] : [];
  while (stack.length > 0) {
    const { id, owner: inherited, open } = stack.pop()!;
    const node = byId.get(id);
    if (!node) continue;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    const owner = isPackageArea(area) ? area : node.callFrame.functionName.startsWith('(') ? node.callFrame.functionName : inherited;
    const self = selfUs.get(id) ?? 0;
    if (node.callFrame.functionName !== '(idle)' && self > 0) owners.set(owner, (owners.get(owner) ?? 0) + self);
    let childOpen = open;
    if (/^(@mesh\/|apps\/)/.test(area) && area !== HOOK_AREA) {
      const name = nameOf(node);
      // A function already on the stack (recursion) is counted once, at its outermost call.
      if (!open.has(name)) {
        inclusive.set(name, (inclusive.get(name) ?? 0) + total(id));
        childOpen = new Set(open).add(name);
      }
    }
    for (const c of node.children ?? []) stack.push({ id: c, owner, open: childOpen });
  }

  const rank = (m: Map<string, number>, n: number): HotSpot[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, percent: busyUs > 0 ? Math.round((1000 * us) / busyUs) / 10 : 0 }));
  return {
    file,
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    functions: rank(functions, top),
    areas: rank(areas, 12),
    owners: rank(owners, 14),
    inclusive: rank(inclusive, top),
  };
}

/** Every profile under `<dir>/<process>/`, summarised by process name. */
export function summariseProfiles(dir: string, top = 15): Record<string, ProfileSummary> {
  const out: Record<string, ProfileSummary> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const sub = join(dir, name);
    const files = existsSync(sub) ? readdirSync(sub).filter((f) => f.endsWith('.cpuprofile')) : [];
    for (const f of files) out[files.length > 1 ? `${name}/${f}` : name] = summariseProfile(join(sub, f), top);
  }
  return out;
}
