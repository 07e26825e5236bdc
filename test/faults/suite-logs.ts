// Every log line the fault suite's apps write, kept in one folder beside the report file so the
// secrets scan (log-secrets.test.ts, run last) can read the whole suite's logs.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { createLogger, type Logger } from '../../src/logger.js';
import './fault-report.js';

/** The report file is named by the global setup, so every test worker agrees on this folder. */
export const SUITE_LOG_DIR = `${process.env.CROSSTALK_FAULT_REPORT}.logs`;

/** A fresh file in the suite's log folder for one app (or one child process's stderr). */
export function suiteLogFile(name: string): string {
  fs.mkdirSync(SUITE_LOG_DIR, { recursive: true });
  return path.join(SUITE_LOG_DIR, `${name}-${randomUUID().slice(0, 8)}.log`);
}

/** A logger built like the app's own (JSON, redaction, token scrubbing), writing to a suite log file. */
export function suiteLogger(name: string, level: 'info' | 'debug' = 'info'): { logger: Logger; file: string } {
  const file = suiteLogFile(name);
  return { logger: createLogger(level, { format: 'json', destination: pino.destination({ dest: file, sync: true }) }), file };
}

export function suiteLogFiles(): string[] {
  if (!fs.existsSync(SUITE_LOG_DIR)) return [];
  return fs.readdirSync(SUITE_LOG_DIR).map((name) => path.join(SUITE_LOG_DIR, name));
}

export interface SecretSighting {
  file: string;
  secret: string;
  line: string;
}

/** Every line of `files` that contains one of `secrets` verbatim. */
export function findSecrets(files: readonly string[], secrets: readonly string[]): SecretSighting[] {
  const found: SecretSighting[] = [];
  for (const file of files) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      for (const secret of secrets) if (line.includes(secret)) found.push({ file: path.basename(file), secret, line: line.slice(0, 300) });
    }
  }
  return found;
}

export function removeSuiteLogs(): void {
  fs.rmSync(SUITE_LOG_DIR, { recursive: true, force: true });
}
