import { distribution, overallRate, percentile, ratesBySlice, steadyStateRate, sustainedPeak } from './stats';

describe('percentile', () => {
  it('interpolates between the nearest ranks', () => {
    const sorted = [10, 20, 30, 40, 50];
    expect(percentile(sorted, 0)).toBe(10);
    expect(percentile(sorted, 50)).toBe(30);
    expect(percentile(sorted, 100)).toBe(50);
    expect(percentile(sorted, 25)).toBe(20);
    expect(percentile(sorted, 90)).toBeCloseTo(46);
    expect(percentile([1, 2], 50)).toBe(1.5);
  });

  it('is NaN without values and the value itself with one', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 95)).toBe(7);
  });
});

describe('distribution', () => {
  it('sorts its input and skips non-finite values', () => {
    const d = distribution([5, 1, Number.NaN, 3, 2, 4]);
    expect(d).toMatchObject({ count: 5, min: 1, max: 5, mean: 3, p50: 3 });
    expect(d.p95).toBeCloseTo(4.8);
  });
});

describe('throughput', () => {
  it('overall rate runs from the first submission to the last completion', () => {
    expect(overallRate(0, [500, 1000, 2000])).toBe(1.5);
    expect(overallRate(0, [])).toBeNaN();
  });

  it('steady-state rate ignores the ramp-up and the drain', () => {
    // A slow start (one completion in the first second), then 10/s, then a long tail.
    const times = [1000, ...Array.from({ length: 19 }, (_, i) => 2000 + i * 100), 10_000];
    expect(steadyStateRate(times, 0.8)).toBeCloseTo(10, 5);
    expect(overallRate(0, times)).toBeCloseTo(2.1, 5);
  });

  it('needs a few completions', () => {
    expect(steadyStateRate([1, 2])).toBeNaN();
  });
});

describe('sustainedPeak', () => {
  it('is the highest minimum over any full window, so a spike does not count', () => {
    const samples = [0, 200, 400, 600, 800, 1000, 1200, 1400].map((atMs, i) => ({ atMs, value: [10, 50, 50, 900, 50, 50, 40, 5][i]! }));
    expect(sustainedPeak(samples, 1000)).toBe(40);
    expect(sustainedPeak(samples, 400)).toBe(50);
  });

  it('counts the first sample past the window when samples are sparse', () => {
    const samples = [0, 1500, 3000].map((atMs, i) => ({ atMs, value: [100, 80, 90][i]! }));
    expect(sustainedPeak(samples, 1000)).toBe(80);
  });

  it('is 0 when the samples do not span a window', () => {
    expect(sustainedPeak([{ atMs: 0, value: 5 }, { atMs: 100, value: 6 }], 1000)).toBe(0);
  });
});

describe('ratesBySlice', () => {
  it('shows a run slowing down', () => {
    // 10/s for 10 completions, then 5/s for 10.
    const times = [...Array.from({ length: 10 }, (_, i) => i * 100), ...Array.from({ length: 10 }, (_, i) => 1000 + i * 200)];
    expect(ratesBySlice(times, 2)).toEqual([10, 5]);
    expect(ratesBySlice([1, 2, 3], 5)).toEqual([]);
  });
});
