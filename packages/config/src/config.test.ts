import { loadConfig } from './config';

describe('configuration defaults', () => {
  it('with an empty environment: port 8080, local Redis and Postgres, schema and queue prefix "mesh", log level info', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(8080);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(config.database.schema).toBe('mesh');
    expect(config.queuePrefix).toBe('mesh');
    expect(config.logLevel).toBe('info');
    expect(config.env).toBe('development');
    expect(config.database.migrateOnStart).toBe(true);
    expect(config.worker.concurrency).toBe(100);
  });

  it('an empty value counts as unset for the URL and number settings', () => {
    const config = loadConfig({ PORT: '', REDIS_URL: ' ', DATABASE_URL: '', MESH_WORKER_CONCURRENCY: '' });
    expect(config.http.port).toBe(8080);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(config.worker.concurrency).toBe(100);
  });

  it('reads the settings the defaults stand for', () => {
    const config = loadConfig({
      PORT: '9091',
      REDIS_URL: 'rediss://cache.internal:6380',
      DATABASE_URL: 'postgresql://mesh@db.internal:5433/mesh',
      MESH_DB_SCHEMA: 'tenant_blue',
      MESH_QUEUE_PREFIX: '{mesh}',
      LOG_LEVEL: 'debug',
    });
    expect(config.http.port).toBe(9091);
    expect(config.redisUrl).toBe('rediss://cache.internal:6380');
    expect(config.database.url).toBe('postgresql://mesh@db.internal:5433/mesh');
    expect(config.database.schema).toBe('tenant_blue');
    expect(config.queuePrefix).toBe('{mesh}');
    expect(config.logLevel).toBe('debug');
  });
});
