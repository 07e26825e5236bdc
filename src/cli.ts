#!/usr/bin/env node
// Command-line entry: `run` (the default) starts the bot; `ingest` loads documents into knowledge.
import { registerDiscordSlashCommands, runApp } from './app.js';
import { createProgress } from './cli/progress.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { ingestPath } from './knowledge/ingest.js';
import { createLogger } from './logger.js';
import { startSentry, type ErrorReporter } from './observability/sentry.js';
import { openEmbeddedStores } from './stores/embedded.js';
import { StoreUnavailableError } from './stores/sqlite/database.js';

const USAGE = `Usage:
  crosstalk [run]                                   start the bot (the terminal chat when no platform is configured)
  crosstalk ingest <file or folder> [--workspace W] add Markdown and text files to workspace knowledge (default workspace: local)
  crosstalk discord register                        register the slash commands with Discord (per guild with DISCORD_GUILD_ID)
  crosstalk doctor                                   check the configuration and every configured service and platform token
  crosstalk help                                    show this help`;

async function main(argv: string[]): Promise<number> {
  const [command = 'run', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'doctor') return doctor();
  const config = loadConfig();
  if (command === 'run') return run(config);
  if (command === 'ingest') return ingest(config, rest);
  if (command === 'discord' && rest[0] === 'register') {
    process.stdout.write(`${await registerDiscordSlashCommands(config)}\n`);
    return 0;
  }
  process.stderr.write(`Unknown command "${command}".\n${USAGE}\n`);
  return 2;
}

async function run(config: Config): Promise<number> {
  const { ops } = config;
  const reporter: ErrorReporter | undefined = ops.sentry
    ? await startSentry({ ...ops.sentry, release: undefined, logMessageText: ops.logMessageText })
    : undefined;
  // In the shell the terminal is the chat: only warnings and errors are logged unless asked.
  const serving = Boolean(config.slack || config.discord || ops.serveHttp);
  const logger = createLogger(config.logLevel ?? (serving ? 'info' : 'warn'), {
    logMessageText: ops.logMessageText,
    ...(ops.logFormat ? { format: ops.logFormat } : {}),
    ...(reporter ? { onFailure: (failure) => reporter.report(failure) } : {}),
  });
  try {
    await runApp(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'crosstalk stopped on an error');
    throw error;
  } finally {
    await reporter?.close(2_000);
  }
  return 0;
}

async function doctor(): Promise<number> {
  const write = (line: string) => process.stdout.write(`${line}\n`);
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) write(`FAIL  configuration  ${problem}`);
    write('Fix the configuration first; the services are checked once it loads.');
    return 1;
  }
  // The doctor's service clients load only for `doctor`, not for every start.
  const { doctorChecks, runDoctor } = await import('./doctor.js');
  const checks = [{ name: 'configuration', run: async () => 'every variable is valid' }, ...doctorChecks(config)];
  const outcomes = await runDoctor(checks, write);
  return outcomes.every((outcome) => outcome.ok) ? 0 : 1;
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
