// Exits 0 when Redis and PostgreSQL both answer, 1 (with a message) otherwise.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { Redis } = require('ioredis');

const [redisUrl, dbUrl] = process.argv.slice(2);
let ok = true;
const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 2000 });
redis.on('error', () => {});
try {
  await redis.connect();
  await redis.ping();
} catch (err) {
  console.error(`Redis is not reachable at ${redisUrl}: ${err.message}`);
  ok = false;
} finally {
  redis.disconnect();
}
const pg = new Client({ connectionString: dbUrl, connectionTimeoutMillis: 2000 });
pg.on('error', () => {});
try {
  await pg.connect();
  await pg.query('SELECT 1');
} catch (err) {
  console.error(`PostgreSQL is not reachable at ${dbUrl}: ${err.message}`);
  ok = false;
} finally {
  await pg.end().catch(() => {});
}
process.exit(ok ? 0 : 1);
