#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, TENANT_ID_PATTERN } from '@mesh/config';
import { ApiKeyRepository } from '../api-key-repository';
import { createDb } from '../db';
import { migrate } from '../migrate';

const USAGE = `Usage:
  npm run keys -- create --tenant <tenant> [--label <label>]   create a key; it is printed once, only its hash is stored
  npm run keys -- list [--tenant <tenant>]                     list keys (ids, tenants, labels, status; never keys or hashes)
  npm run keys -- revoke <id>                                  revoke a key (the API refuses it within 5 s, no restart)

Reads DATABASE_URL and MESH_DB_SCHEMA like the other processes and applies pending migrations first.`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A mistake on the command line: usage is printed, exit code 2. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { tenant: { type: 'string' }, label: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

function tenantOption(tenant: string | undefined, required: boolean): string | undefined {
  if (tenant === undefined) {
    if (required) throw new UsageError('--tenant is required');
    return undefined;
  }
  if (!TENANT_ID_PATTERN.test(tenant)) throw new UsageError('--tenant must be 1-64 characters of A-Z a-z 0-9 _ -');
  return tenant;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** `npm run keys -- …`: creates, lists and revokes the hashed API keys of the api_keys table. */
async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  if (!['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command "${command}"`);
  if (command !== 'revoke' && rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const label = values.label ?? '';
  if (label.length > 200 || /[\u0000-\u001f]/.test(label)) throw new UsageError('--label must be at most 200 printable characters');
  const tenant = tenantOption(values.tenant, command === 'create');
  const revokeId = command === 'revoke' ? rest[0] : undefined;
  if (command === 'revoke' && (rest.length !== 1 || !revokeId || !UUID.test(revokeId))) throw new UsageError('revoke takes one key id (a UUID, see `list`)');

  const config = loadConfig();
  await migrate({ url: config.database.url, schema: config.database.schema });
  const db = createDb({ url: config.database.url, schema: config.database.schema, poolSize: 1, applicationName: 'agent-mesh-keys' });
  const keys = new ApiKeyRepository(db);
  try {
    switch (command) {
      case 'create': {
        const created = await keys.create(tenant as string, label);
        console.log(`Created API key ${created.id} for tenant "${tenant}"${label ? ` (${label})` : ''}.`);
        console.log('The key is shown only this once; only its hash is stored:');
        console.log(created.key);
        return;
      }
      case 'list': {
        const rows = await keys.list(tenant);
        if (rows.length === 0) {
          console.log(tenant ? `No API keys for tenant "${tenant}".` : 'No API keys.');
          return;
        }
        console.log(
          table([
            ['ID', 'TENANT', 'LABEL', 'CREATED', 'STATUS'],
            ...rows.map((r) => [r.id, r.tenant_id, r.label, r.created_at.toISOString(), r.revoked_at ? `revoked ${r.revoked_at.toISOString()}` : 'active']),
          ]),
        );
        return;
      }
      case 'revoke': {
        if (!(await keys.revoke(revokeId as string))) {
          console.error(`No active API key with id ${revokeId}.`);
          process.exitCode = 1;
          return;
        }
        console.log(`Revoked API key ${revokeId}; the API refuses it within seconds, without a restart.`);
        return;
      }
    }
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : String(err));
  process.exit(1);
});
