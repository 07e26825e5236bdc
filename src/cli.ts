#!/usr/bin/env node
// Command-line entry: `run` (the default) starts the bot; `ingest` loads documents into knowledge.
import { runApp } from './app.js';
import { createProgress } from './cli/progress.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { ingestPath } from './knowledge/ingest.js';
import { createLogger } from './logger.js';
import { openEmbeddedStores } from './stores/embedded.js';
import { StoreUnavailableError } from './stores/sqlite/database.js';

const USAGE = `Usage:
  crosstalk [run]                                   start the bot (the terminal chat when no platform is configured)
  crosstalk ingest <file or folder> [--workspace W] add Markdown and text files to workspace knowledge (default workspace: local)
  crosstalk help                                    show this help`;

async function main(argv: string[]): Promise<number> {
  const [command = 'run', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  if (command === 'run') return run(config);
  if (command === 'ingest') return ingest(config, rest);
  process.stderr.write(`Unknown command "${command}".\n${USAGE}\n`);
  return 2;
}

async function run(config: Config): Promise<number> {
  // In the shell the terminal is the chat: only warnings and errors are logged unless asked.
  await runApp(config, createLogger(config.logLevel ?? 'warn'));
  return 0;
}

async function ingest(config: Config, args: string[]): Promise<number> {
  const { workspaceId, targets } = parseIngestArgs(args);
  if (targets.length !== 1 || !workspaceId) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const stores = openEmbeddedStores(config.dataDir);
  try {
    const progress = createProgress(process.stderr);
    const result = await ingestPath(stores.knowledge, targets[0]!, {
      workspaceId,
      onProgress: (done, total, file) => progress.update(done, total, file),
    });
    progress.done(
      `Ingested ${result.files} file${result.files === 1 ? '' : 's'} (${result.chunks} passages) into workspace "${workspaceId}".`,
    );
    for (const skipped of result.skipped) process.stderr.write(`skipped ${skipped}\n`);
    return 0;
  } finally {
    await stores.close();
  }
}

function parseIngestArgs(args: string[]): { workspaceId: string | undefined; targets: string[] } {
  const targets: string[] = [];
  let workspaceId: string | undefined = 'local';
  for (let index = 0; index < args.length; index++) {
    if (args[index] === '--workspace') workspaceId = args[++index];
    else targets.push(args[index]!);
  }
  return { workspaceId, targets };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof StoreUnavailableError) {
      process.stderr.write(`crosstalk: ${error.message}\n`);
    } else {
      process.stderr.write(`crosstalk: ${(error as Error).message ?? String(error)}\n`);
    }
    process.exit(1);
  },
);
