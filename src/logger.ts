import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** JSON logs on stderr, so stdout stays the chat in the shell. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { app: 'crosstalk' } }, pino.destination(2));
}
