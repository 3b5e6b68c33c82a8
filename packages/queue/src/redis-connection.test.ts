import { isClusterUrl, parseClusterUrl } from './redis-connection';

describe('Redis Cluster URLs', () => {
  it('reads the seed nodes, the credentials and TLS of a redis-cluster:// URL', () => {
    expect(isClusterUrl('redis-cluster://10.0.0.1:7000,10.0.0.2:7001')).toBe(true);
    expect(isClusterUrl('redis://127.0.0.1:6379')).toBe(false);
    expect(parseClusterUrl('redis-cluster://10.0.0.1:7000,10.0.0.2:7001,[fd00::3]:7002')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'fd00::3', port: 7002 },
      ],
      tls: false,
    });
    expect(parseClusterUrl('redis-cluster://mesh:p%40ss:word@cache-a:6379,cache-b:6379/?tls=true')).toEqual({
      nodes: [
        { host: 'cache-a', port: 6379 },
        { host: 'cache-b', port: 6379 },
      ],
      username: 'mesh',
      password: 'p@ss:word',
      tls: true,
    });
  });

  it('refuses a URL without nodes or with a bad port', () => {
    expect(() => parseClusterUrl('redis-cluster://')).toThrow(/at least one node/);
    expect(() => parseClusterUrl('redis-cluster://a:99999')).toThrow(/invalid cluster node/);
  });
});
