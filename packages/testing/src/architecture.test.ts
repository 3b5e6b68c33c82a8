import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Holds the product code against docs/architecture.json: no import a `never` forbids, no import
 * cycle between files, none between packages. Test files are left out (they may reach anywhere);
 * every import of a product source file counts: `import … from`, `export … from`, `import()` and
 * `require()`.
 */
const ROOT = resolve(__dirname, '..', '..', '..');

interface Architecture {
  parts: Record<string, { is: string[] }>;
  never: [string, string, string?][];
}

const architecture = JSON.parse(readFileSync(join(ROOT, 'docs', 'architecture.json'), 'utf8')) as Architecture;

const SOURCE = /\.(ts|tsx|mts)$/;
const TEST = /(\.test\.tsx?$|\/__tests__\/|\/test\/)/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(name) && !TEST.test(relative(ROOT, path)) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /(?:^|[^\w.])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^\w.])require\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** The module specifiers a file imports (comments stripped first, so an example in a comment is no import). */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...code.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!);
}

/** The workspace folder of `@mesh/<name>` (packages/ or apps/). */
function packageDir(name: string): string | null {
  for (const base of ['packages', 'apps']) {
    const dir = join(ROOT, base, name);
    try {
      if (statSync(join(dir, 'package.json')).isFile()) return dir;
    } catch {
      // not there
    }
  }
  return null;
}

function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next
    }
  }
  return null;
}

/** The file an import lands on: a relative path, or the entry of a workspace package (its src/index.ts). */
function target(from: string, spec: string): string | null {
  if (spec.startsWith('.')) return resolveRelative(from, spec);
  const m = /^@mesh\/([a-z-]+)(\/[a-z-]+)?$/.exec(spec);
  if (!m) return null;
  const dir = packageDir(m[1]!);
  if (!dir) return null;
  return resolveRelative(join(dir, 'src', 'x.ts'), m[2] ? `.${m[2]}` : './index');
}

function partOf(file: string): string | null {
  const rel = relative(ROOT, file);
  for (const [name, part] of Object.entries(architecture.parts)) if (part.is.some((prefix) => rel.startsWith(prefix))) return name;
  return null;
}

function packageOf(file: string): string {
  const [base, name] = relative(ROOT, file).split('/');
  return `${base}/${name}`;
}

const files = ['packages', 'apps'].flatMap((base) => readdirSync(join(ROOT, base)).flatMap((name) => {
  const dir = join(ROOT, base, name);
  return statSync(dir).isDirectory() ? sourceFiles(dir) : [];
}));
const edges = new Map(files.map((file) => [file, importsOf(readFileSync(file, 'utf8')).flatMap((spec) => {
  const to = target(file, spec);
  return to ? [{ spec, to }] : [];
})]));

/** Strongly connected components with more than one node (or a self-loop): the import cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.map((f) => relative(ROOT, f)).sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

describe('the code against docs/architecture.json', () => {
  it('reads every product source file and finds the workspace imports', () => {
    expect(files.length).toBeGreaterThan(150);
    const workspaceImports = [...edges.values()].flat().filter((e) => e.spec.startsWith('@mesh/'));
    expect(workspaceImports.length).toBeGreaterThan(100);
    expect(importsOf("import a from './a';\nexport { b } from \"@mesh/b\";\n// import c from './c';\nconst d = require('./d');\nimport('./e');")).toEqual(['./a', '@mesh/b', './d', './e']);
  });

  it('takes no dependency that a never forbids', () => {
    const broken: string[] = [];
    for (const [file, imports] of edges) {
      const from = partOf(file);
      for (const { spec, to } of imports) {
        const into = partOf(to);
        const rule = architecture.never.find(([a, b]) => a === from && b === into);
        if (rule) broken.push(`${relative(ROOT, file)} imports ${spec}: never ${rule[0]} -> ${rule[1]} (${rule[2] ?? ''})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('declares no workspace dependency that a never forbids', () => {
    const broken: string[] = [];
    for (const dir of ['packages', 'apps'].flatMap((base) => readdirSync(join(ROOT, base)).map((name) => join(ROOT, base, name)))) {
      let pkg: { dependencies?: Record<string, string> };
      try {
        pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof pkg;
      } catch {
        continue;
      }
      const from = partOf(join(dir, 'src', 'index.ts'));
      for (const dep of Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@mesh/'))) {
        const depDir = packageDir(dep.slice('@mesh/'.length));
        const into = depDir ? partOf(join(depDir, 'src', 'index.ts')) : null;
        if (architecture.never.some(([a, b]) => a === from && b === into)) broken.push(`${relative(ROOT, dir)} depends on ${dep}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const graph = new Map([...edges].map(([file, imports]) => [file, imports.map((i) => i.to)]));
    expect(cycles(graph)).toEqual([]);
  });

  it('has no dependency cycle between packages', () => {
    const graph = new Map<string, Set<string>>();
    for (const [file, imports] of edges) {
      const from = packageOf(file);
      const set = graph.get(from) ?? new Set<string>();
      for (const { to } of imports) if (packageOf(to) !== from) set.add(packageOf(to));
      graph.set(from, set);
    }
    expect(cycles(new Map([...graph].map(([k, v]) => [k, [...v]])))).toEqual([]);
  });
});
