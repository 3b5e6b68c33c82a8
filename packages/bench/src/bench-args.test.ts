import { parseBenchArgs, SCENARIOS } from './bench-args';
import { areaOf } from './cpu-profile-summary';
import { normaliseSql } from './instrument';
import { memoryItem } from './memory-corpus';

describe('parseBenchArgs', () => {
  it('runs every scenario, counting, by default', () => {
    expect(parseBenchArgs([])).toEqual({ quick: false, scenarios: [...SCENARIOS], tasks: undefined, profile: false, count: true, outDir: undefined });
  });

  it('takes a subset in the canonical order, a task count and the flags', () => {
    const args = parseBenchArgs(['--quick', '--scenario', 'latency,throughput', '--tasks', '500', '--profile', '--no-count']);
    expect(args).toMatchObject({ quick: true, scenarios: ['throughput', 'latency'], tasks: 500, profile: true, count: false });
  });

  it('refuses unknown scenarios and bad counts with the usage', () => {
    expect(() => parseBenchArgs(['--scenario', 'speed'])).toThrow(/unknown scenario: speed[\s\S]*usage/);
    expect(() => parseBenchArgs(['--tasks', '2.5'])).toThrow(/--tasks/);
    expect(() => parseBenchArgs(['--bogus'])).toThrow();
  });
});

describe('normaliseSql', () => {
  it('collapses white space and folds multi-row VALUES lists into one shape', () => {
    const two = 'INSERT INTO t (a, b)\n  VALUES ($1, $2), ($3, $4)';
    const three = 'INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)';
    expect(normaliseSql(two)).toBe('INSERT INTO t (a, b) VALUES ($…)…');
    expect(normaliseSql(three)).toBe(normaliseSql(two));
  });
});

describe('areaOf', () => {
  it('names the dependency or package a profiled frame belongs to', () => {
    expect(areaOf('file:///w/node_modules/pg/lib/client.js', 'query')).toBe('pg');
    expect(areaOf('file:///w/node_modules/@opentelemetry/sdk-trace-base/build/x.js', 'f')).toBe('@opentelemetry/sdk-trace-base');
    expect(areaOf('file:///w/packages/mesh/dist/coordinator.js', 'f')).toBe('@mesh/mesh');
    expect(areaOf('file:///w/apps/api/dist/main.js', 'f')).toBe('apps/api');
    expect(areaOf('node:internal/streams/writable', 'write')).toBe('node (runtime)');
    expect(areaOf('', '(garbage collector)')).toBe('(garbage collector)');
  });
});

describe('memoryItem', () => {
  it('is deterministic, varied and unique, and shares the common campaign words', () => {
    expect(memoryItem(42)).toEqual(memoryItem(42));
    const items = Array.from({ length: 2000 }, (_, i) => memoryItem(i));
    expect(new Set(items.map((m) => m.content)).size).toBe(2000);
    expect(new Set(items.map((m) => m.type))).toEqual(new Set(['fact', 'decision', 'feedback', 'context']));
    const withCommonWords = items.filter((m) => /campaign|audience|email/.test(m.content)).length;
    expect(withCommonWords / items.length).toBeGreaterThan(0.9);
  });
});
