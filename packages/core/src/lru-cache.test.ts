import { LruCache } from './lru-cache';

describe('LruCache', () => {
  it('drops the least recently used entry when full', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.size).toBe(2);
  });

  it('hands the entry it drops to onEvict', () => {
    const evicted: string[] = [];
    const cache = new LruCache<number>(1, (value, key) => evicted.push(`${key}=${value}`));
    cache.set('a', 1);
    cache.set('a', 2);
    cache.set('b', 3);
    expect(evicted).toEqual(['a=2']);
  });
});
