import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';
import { redactPaths, scrubTokens } from './observability/log-redaction.js';
import { prettyDestination } from './observability/pretty-log.js';
import { currentTurn } from './observability/turn-context.js';

export type { Logger };

/** What an error-level line that carries an `err` tells the error reporter (Sentry). */
export interface LoggedFailure {
  error: unknown;
  /** The line's message, e.g. `turn failed`. */
  msg: string;
  /** The logger's bindings and the line's fields (already without secrets and, by default, text). */
  fields: Record<string, unknown>;
}

export interface LoggerOptions {
  /** Keep the text people wrote in log lines (LOG_MESSAGE_TEXT=true); redacted by default. */
  logMessageText?: boolean;
  /** `pretty` prints readable lines; default: pretty when stderr is a terminal, else JSON. */
  format?: 'json' | 'pretty';
  /** Where lines go; default stderr, so stdout stays the chat in the shell. */
  destination?: DestinationStream;
  /** Called for every error or fatal line that carries an `err` (how failures reach Sentry). */
  onFailure?: (failure: LoggedFailure) => void;
}

const ERROR_LEVEL = 50;

export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const pretty = options.format ? options.format === 'pretty' : Boolean(process.stderr.isTTY) && !options.destination;
  const destination =
    options.destination ?? (pretty ? prettyDestination((text) => process.stderr.write(text), Boolean(process.stderr.isTTY)) : pino.destination(2));
  const logMessageText = options.logMessageText ?? false;
  const onFailure = options.onFailure;
  return pino(
    {
      level,
      base: { app: 'crosstalk' },
      redact: { paths: redactPaths(logMessageText), censor: '[redacted]' },
      // The turn id rides on async context, so adapter, graph and store lines carry it too.
      mixin: () => {
        const turn = currentTurn();
        return turn ? { turn: turn.turnId } : {};
      },
      hooks: {
        streamWrite: scrubTokens,
        ...(onFailure
          ? {
              logMethod(this: Logger, args: Parameters<pino.LogFn>, method: pino.LogFn, levelValue: number) {
                const [first, second] = args as unknown[];
                if (levelValue >= ERROR_LEVEL && first && typeof first === 'object' && 'err' in first) {
                  const { err, ...rest } = first as Record<string, unknown>;
                  const fields: Record<string, unknown> = { ...this.bindings(), ...rest };
                  const turn = currentTurn();
                  if (turn) {
                    fields.turn = turn.turnId;
                    fields.thread ??= turn.thread;
                  }
                  if (!logMessageText) for (const key of ['text', 'content']) if (key in fields) fields[key] = '[redacted]';
                  try {
                    onFailure({ error: err, msg: typeof second === 'string' ? second : '', fields });
                  } catch {
                    // Reporting must never break logging.
                  }
                }
                return method.apply(this, args);
              },
            }
          : {}),
      },
    },
    destination,
  );
}
