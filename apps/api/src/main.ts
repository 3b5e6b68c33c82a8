import { configOrExit, processLogger, startupDatabaseWait, syncConfiguredBudgets, warnUnlessNoeviction } from '@mesh/host';
import { generateApiKey, migrateWhenReachable, whileUnreachable } from '@mesh/store';
import { checkApiKeyAvailability, developmentKeyBanner, type ApiKeyAvailability } from './api-key-availability';
import { closeApiDeps, createApiDeps } from './api-deps';
import { startApiServer } from './server';

/** The API process: config, migrations, connections, listen; SIGTERM/SIGINT drain and exit 0. */
async function main(): Promise<void> {
  const config = configOrExit();
  // Used only in development with no key configured anywhere; made before the logger so that it
  // is scrubbed from every log line (it reaches the terminal on the banner line alone).
  const developmentKey = generateApiKey();
  const logger = processLogger('api', config, [developmentKey]);
  if (config.database.migrateOnStart) {
    const applied = await migrateWhenReachable({ url: config.database.url, schema: config.database.schema }, startupDatabaseWait(logger, 'migrate'));
    if (applied.length > 0) logger.info('migrations applied', { schema: config.database.schema, versions: applied });
  }
  const deps = await createApiDeps(config, logger);
  let keys: ApiKeyAvailability;
  try {
    keys = await checkApiKeyAvailability(config, deps.store.apiKeys, developmentKey);
  } catch (err) {
    await closeApiDeps(deps);
    throw err;
  }
  // The routes' key resolvers read deps.config.apiKeys when the app is built (startApiServer).
  if (keys.kind === 'development') deps.config = { ...config, apiKeys: [keys.entry] };
  if (keys.kind === 'none') logger.warn('no API key is configured (MESH_API_KEYS, npm run keys -- create): every request answers 401');
  await warnUnlessNoeviction({ redis: deps.redis, logger });
  try {
    // Behind a transaction pool the schema comes from the pooler: refuse to work in the wrong one.
    await whileUnreachable(() => deps.db.checkSchema(), startupDatabaseWait(logger, 'check the schema'));
  } catch (err) {
    await closeApiDeps(deps);
    throw err;
  }
  await syncConfiguredBudgets(deps.store, config, logger);
  if (config.webhooks.secretIsDevelopmentDefault) {
    logger.warn('MESH_WEBHOOK_SECRET IS NOT SET: webhooks are signed with the fixed development secret. Set it before any real use.');
  } else if (!config.webhooks.secret) {
    logger.info('MESH_WEBHOOK_SECRET is not set: tasks with a callback_url are refused');
  }
  const server = await startApiServer(deps);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info('api stopping', { signal });
    // /readyz turns 503 and event streams end (clients reconnect elsewhere) while requests in flight finish.
    deps.lifecycle.beginDrain();
    server
      .close()
      .then(() => closeApiDeps(deps))
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error('api did not stop cleanly', { error: err });
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Announced only once the signal handlers exist: a SIGTERM sent on this line must drain.
  logger.info('api listening', { url: server.url, version: deps.version });
  // stderr, apart from the JSON lines on stdout: a log pipeline reading stdout never gets the key.
  if (keys.kind === 'development') process.stderr.write(`${developmentKeyBanner(server.url, keys.entry.key)}\n`);
}

main().catch((err: unknown) => {
  console.error(`api failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
