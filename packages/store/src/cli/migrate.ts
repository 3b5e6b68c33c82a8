#!/usr/bin/env node
import { loadConfig } from '@mesh/config';
import { migrate } from '../migrate';

/** `npm run migrate`: applies pending migrations to MESH_DB_SCHEMA. */
async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await migrate({ url: config.database.url, schema: config.database.schema });
  console.log(applied.length ? `migrated schema "${config.database.schema}": ${applied.join(', ')}` : `schema "${config.database.schema}" is up to date`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
