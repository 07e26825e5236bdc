// `crosstalk run` as a real child process (node --import tsx src/cli.ts run, or the production
// build as the image runs it), configured only by the environment given here, its stderr (JSON
// log lines) kept in a suite log file.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProductionImage } from '../e2e/production-image.js';
import { suiteLogFile } from './suite-logs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface AppProcess {
  /** Base URL of the process's HTTP server (Slack events at /slack/events). */
  url: string;
  pid: number;
  /** Log lines so far, parsed. */
  logLines(): Array<Record<string, unknown>>;
  /** Kills the process with `signal` and waits until it has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface AppProcessOptions {
  /** Names the log file. */
  name: string;
  /** The script and its arguments, relative to the project root; default: `src/cli.ts run`. */
  command?: string[];
  /** Runs this production build as the image does (its Dockerfile CMD) instead of the sources under tsx. */
  image?: ProductionImage;
  env: Record<string, string>;
  /** Resolves once this log line (its `msg`) has been written; default: the Slack receiver is mounted. */
  readyWhen?: string;
  timeoutMs?: number;
}

/** Starts the app and resolves once it serves HTTP and `readyWhen` was logged. */
export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const logFile = suiteLogFile(options.name);
  const out = fs.openSync(logFile, 'a');
  // Only what the app needs: nothing of this test process's own environment leaks in.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', PORT: '0', ...options.env };
  const [cwd, args] = options.image
    ? [options.image.dir, options.image.command.slice(1)]
    : [ROOT, ['--import', 'tsx', ...(options.command ?? ['src/cli.ts', 'run'])]];
  const child: ChildProcess = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'ignore', out] });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logLines = () =>
    fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const readyWhen = options.readyWhen ?? 'Slack HTTP receiver mounted';
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let port: number | undefined;
  for (;;) {
    const lines = logLines();
    port ??= lines.find((line) => line.msg === 'HTTP server listening')?.port as number | undefined;
    if (port !== undefined && lines.some((line) => line.msg === readyWhen)) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`crosstalk (${options.name}) did not start: ${child.exitCode !== null ? `exited ${child.exitCode}` : 'timed out'}; log:\n${fs.readFileSync(logFile, 'utf8').slice(-3_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    logLines,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
