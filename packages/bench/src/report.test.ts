import { ANALYSIS_HEADING, renderMarkdown, type BenchReport } from './report';

const report = {
  machine: {
    date: '2026-12-03T09:36:25.835Z',
    gitCommit: '40ec8a2',
    gitDirty: false,
    cores: 2,
    cpuModel: 'Test CPU',
    totalMemoryMb: 24_576,
    node: 'v20',
    redis: '7.0',
    postgres: '15',
    loadAverageAtStart: [1, 1, 1],
    costs: { syscallUs: 1, loopbackRoundTripUs: 20, redisRoundTripUs: 95, postgresRoundTripUs: 140 },
  },
  mode: 'full',
  args: {},
  scenarios: [],
} as unknown as BenchReport;

describe('renderMarkdown', () => {
  it("keeps the hand-written analysis of the file it replaces, and replaces everything above it", () => {
    const previous = `# Benchmark results\n\nLatest run of last week.\n\n${ANALYSIS_HEADING}\n\nWhy the throughput target fails.\n`;
    const md = renderMarkdown(report, previous);
    expect(md).toContain('commit `40ec8a2`');
    expect(md).not.toContain('Latest run of last week.');
    expect(md.endsWith(`${ANALYSIS_HEADING}\n\nWhy the throughput target fails.\n`)).toBe(true);
    expect(renderMarkdown(report)).not.toContain(ANALYSIS_HEADING);
  });
});
