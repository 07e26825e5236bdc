// Configuration is read and validated here, once, at start-up. Nothing else reads process.env.
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LlmConfig {
  apiKey: string | undefined;
  baseUrl: string | undefined;
  model: string;
  timeoutMs: number;
}

export interface Config {
  /** Folder holding the embedded SQLite file. */
  dataDir: string;
  /** The name people mention (`@crosstalk`). */
  botName: string;
  logLevel: LogLevel | undefined;
  /** Undefined means offline mode: no language model. */
  llm: LlmConfig | undefined;
  /** Upper bound, in tokens, of the prompt for one turn. */
  promptTokenBudget: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads configuration from the environment; throws ConfigError with one line per bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw} is not valid: use a whole number from ${min} to ${max}, or unset it for ${fallback}.`);
      return fallback;
    }
    return value;
  };

  const logLevel = read('LOG_LEVEL');
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel as LogLevel)) {
    problems.push(`LOG_LEVEL=${logLevel} is not a log level: use one of ${LOG_LEVELS.join(', ')}.`);
  }

  const botName = read('BOT_NAME') ?? 'crosstalk';
  if (!/^[\w.-]{1,40}$/u.test(botName)) {
    problems.push(`BOT_NAME=${botName} is not valid: use 1 to 40 letters, digits, '.', '-' or '_'.`);
  }

  const apiKey = read('OPENAI_API_KEY');
  const baseUrl = read('OPENAI_BASE_URL');
  if (baseUrl !== undefined && !isHttpUrl(baseUrl)) {
    problems.push(
      `OPENAI_BASE_URL=${baseUrl} is not an http(s) URL: use e.g. http://localhost:11434/v1, or unset it for api.openai.com.`,
    );
  }
  const llm =
    apiKey || baseUrl
      ? {
          apiKey,
          baseUrl,
          model: read('LLM_MODEL') ?? 'gpt-4o-mini',
          timeoutMs: integer('LLM_TIMEOUT_MS', 60_000, 1_000, 600_000),
        }
      : undefined;

  const config: Config = {
    dataDir: path.resolve(read('DATA_DIR') ?? 'data'),
    botName,
    logLevel: logLevel as LogLevel | undefined,
    llm,
    promptTokenBudget: integer('PROMPT_TOKEN_BUDGET', 6_000, 1_000, 1_000_000),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
