import { Client } from 'pg';
import { Redis } from 'ioredis';
import { startPrivatePostgres, startPrivateRedis } from './private-services';

it('starts, restarts and stops a private Redis and Postgres', async () => {
  const [redisServer, pgServer] = await Promise.all([startPrivateRedis(), startPrivatePostgres()]);
  try {
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    redis.on('error', () => {});
    await redis.set('k', 'v');
    await redisServer.restart();
    expect(await redis.get('k')).toBeNull();
    redis.disconnect();

    const pg = new Client({ connectionString: pgServer.url });
    await pg.connect();
    await pg.query('CREATE TABLE t (x int); INSERT INTO t VALUES (1)');
    await pg.end();
    await pgServer.restart();
    const again = new Client({ connectionString: pgServer.url });
    await again.connect();
    expect((await again.query('SELECT x FROM t')).rows).toEqual([{ x: 1 }]);
    await again.end();
  } finally {
    await Promise.all([redisServer.stop(), pgServer.stop()]);
  }
}, 60_000);
