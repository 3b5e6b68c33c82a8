#!/usr/bin/env node
import { runCli } from './cli';

/** `mesh`: the REST API from a shell. Config from MESH_URL and MESH_API_KEY (or --url, --api-key). */
async function main(): Promise<void> {
  const controller = new AbortController();
  let interrupted = false;
  process.on('SIGINT', () => {
    // The first Ctrl-C stops watching (the task goes on); a second one exits at once.
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  });
  const code = await runCli(process.argv.slice(2), {
    stdout: { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY === true, columns: process.stdout.columns },
    stderr: { write: (text) => process.stderr.write(text), isTTY: process.stderr.isTTY === true },
    env: process.env,
    signal: controller.signal,
  });
  process.exitCode = interrupted && code === 3 ? 130 : code;
}

void main();
