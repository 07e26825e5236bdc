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
  /** Turns one process runs at once; more wait in the inbox. */
  maxConcurrentTurns: number;
  /** Port of the process's one HTTP server (Slack events, health, metrics). */
  port: number;
  /** Undefined when Slack is not configured. */
  slack: SlackConfig | undefined;
  /** Which production stores replace the embedded ones. */
  stores: StoresConfig;
  /** Background jobs (digests, ingestion, retention). */
  jobs: JobsConfig;
  /** Undefined when Discord is not configured. */
  discord: DiscordConfig | undefined;
  /** Logs, error reporting, shutdown and the HTTP server without platforms. */
  ops: OpsConfig;
}

export interface OpsConfig {
  /** LOG_MESSAGE_TEXT=true keeps the text people wrote in logs and error reports. */
  logMessageText: boolean;
  /** LOG_FORMAT; undefined: readable lines on a terminal, JSON otherwise. */
  logFormat: 'json' | 'pretty' | undefined;
  /** Undefined when SENTRY_DSN is not set. */
  sentry: { dsn: string; environment: string | undefined } | undefined;
  /** How long shutdown waits for turns in flight before closing the stores anyway. */
  shutdownTimeoutMs: number;
  /** SERVE_HTTP=true: serve health and metrics and wait for a signal even with no platform (a jobs-only worker). */
  serveHttp: boolean;
}

export interface DiscordConfig {
  token: string;
  applicationId: string;
  /** Slash commands go to this guild only (instant); globally when unset. */
  guildId: string | undefined;
  /** REST base URL (proxies, tests); the gateway URL comes from its GET /gateway/bot. */
  apiUrl: string | undefined;
  /** Total shards across every process; undefined means Discord's recommended count. */
  shardCount: number | undefined;
  /** The shard ids this process runs (DISCORD_SHARDS), ascending; undefined: every shard. */
  shards: number[] | undefined;
}

export interface JobsConfig {
  /** Transcripts older than this many days are removed by a daily job. */
  transcriptRetentionDays: number;
}

export interface StoresConfig {
  /** Checkpoints, dedupe, locks and the turn inbox on Redis; undefined keeps them in SQLite. */
  redis: { url: string; keyPrefix: string; checkpointTtlDays: number | undefined } | undefined;
  /** Transcripts on MongoDB; undefined keeps them in SQLite. */
  mongodb: { url: string; database: string } | undefined;
  /** Workspace knowledge on Pinecone; undefined keeps it in SQLite FTS5. */
  pinecone: { apiKey: string; index: string; indexHost: string | undefined; controllerUrl: string | undefined } | undefined;
  /** Caches language model answers in Redis (`LLM_CACHE=redis`). */
  llmCache: 'redis' | undefined;
}

export interface SlackOAuthConfig {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  /** 32-byte AES-256-GCM key for installation tokens at rest. */
  encryptionKey: Buffer;
}

export interface SlackConfig {
  /** Verifies HTTP requests; required unless Socket Mode is on. */
  signingSecret: string | undefined;
  /** Single-workspace mode; unset in OAuth mode. */
  botToken: string | undefined;
  /** Socket Mode when set. */
  appToken: string | undefined;
  /** Web API base URL, ending in `/`; undefined means https://slack.com/api/. */
  apiUrl: string | undefined;
  /** Multi-workspace install; undefined in single-workspace mode. */
  oauth: SlackOAuthConfig | undefined;
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
    maxConcurrentTurns: integer('MAX_CONCURRENT_TURNS', 32, 1, 10_000),
    port: integer('PORT', 3_000, 0, 65_535),
    slack: readSlackConfig(read, problems),
    stores: readStoresConfig(read, problems),
    jobs: { transcriptRetentionDays: integer('TRANSCRIPT_RETENTION_DAYS', 90, 1, 36_500) },
    discord: readDiscordConfig(read, problems),
    ops: readOpsConfig(read, problems, integer),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Slack is on when any of its credentials is set; then the set must be complete for one mode. */
function readSlackConfig(read: (name: string) => string | undefined, problems: string[]): SlackConfig | undefined {
  const signingSecret = read('SLACK_SIGNING_SECRET');
  const botToken = read('SLACK_BOT_TOKEN');
  const appToken = read('SLACK_APP_TOKEN');
  const apiUrl = read('SLACK_API_URL');
  const clientId = read('SLACK_CLIENT_ID');
  const clientSecret = read('SLACK_CLIENT_SECRET');
  const stateSecret = read('SLACK_STATE_SECRET');
  const rawKey = read('SLACK_TOKEN_ENCRYPTION_KEY');
  if (![signingSecret, botToken, appToken, clientId].some(Boolean)) return undefined;

  if (apiUrl !== undefined && !isHttpUrl(apiUrl)) {
    problems.push(`SLACK_API_URL=${apiUrl} is not an http(s) URL: use e.g. https://slack.com/api/, or unset it.`);
  }
  if (appToken !== undefined && !appToken.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN does not start with xapp-: use the app-level token (connections:write) from the app settings, or unset it for HTTP mode.');
  }
  if (appToken === undefined && signingSecret === undefined) {
    problems.push('SLACK_SIGNING_SECRET is not set: copy it from the app\'s Basic Information page, or set SLACK_APP_TOKEN for Socket Mode.');
  }
  if (botToken !== undefined && !botToken.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN does not start with xoxb-: use the Bot User OAuth Token from the app\'s OAuth & Permissions page.');
  }

  let oauth: SlackOAuthConfig | undefined;
  if (clientId !== undefined) {
    if (botToken !== undefined) {
      problems.push('SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: unset SLACK_BOT_TOKEN for multi-workspace OAuth, or SLACK_CLIENT_ID for one workspace.');
    }
    if (appToken !== undefined) {
      problems.push('SLACK_CLIENT_ID is set with SLACK_APP_TOKEN: OAuth install needs HTTP mode, so unset SLACK_APP_TOKEN, or unset SLACK_CLIENT_ID and use SLACK_BOT_TOKEN.');
    }
    const missing = [
      ['SLACK_CLIENT_SECRET', clientSecret],
      ['SLACK_STATE_SECRET', stateSecret],
      ['SLACK_TOKEN_ENCRYPTION_KEY', rawKey],
    ].filter(([, value]) => value === undefined);
    for (const [name] of missing) problems.push(`${name} is not set: OAuth install (SLACK_CLIENT_ID) needs it.`);
    const encryptionKey = rawKey === undefined ? undefined : decodeKey(rawKey);
    if (rawKey !== undefined && !encryptionKey) {
      problems.push('SLACK_TOKEN_ENCRYPTION_KEY is not a 32-byte key: use 64 hex characters or 44 base64 characters, e.g. from `openssl rand -hex 32`.');
    }
    if (clientSecret && stateSecret && encryptionKey) oauth = { clientId, clientSecret, stateSecret, encryptionKey };
  } else if (botToken === undefined) {
    problems.push('SLACK_BOT_TOKEN is not set: set it for one workspace, or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and SLACK_TOKEN_ENCRYPTION_KEY for OAuth install.');
  }

  return {
    signingSecret,
    botToken,
    appToken,
    apiUrl: apiUrl === undefined || apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    oauth,
  };
}

/** Discord is on when DISCORD_TOKEN is set; it then needs the application id. */
function readDiscordConfig(read: (name: string) => string | undefined, problems: string[]): DiscordConfig | undefined {
  const token = read('DISCORD_TOKEN');
  const applicationId = read('DISCORD_APPLICATION_ID');
  const guildId = read('DISCORD_GUILD_ID');
  const apiUrl = read('DISCORD_API_URL');
  const rawShards = read('SHARD_COUNT');
  if (token === undefined) {
    if (applicationId !== undefined || guildId !== undefined) {
      problems.push('DISCORD_TOKEN is not set: copy the bot token from the developer portal (your app → Bot), or unset DISCORD_APPLICATION_ID and DISCORD_GUILD_ID.');
    }
    return undefined;
  }
  const snowflake = /^\d{17,20}$/u;
  if (applicationId === undefined) {
    problems.push("DISCORD_APPLICATION_ID is not set: copy the Application ID from the developer portal (your app → General Information).");
  } else if (!snowflake.test(applicationId)) {
    problems.push(`DISCORD_APPLICATION_ID=${applicationId} is not a Discord id: use the 17 to 20 digit Application ID from General Information.`);
  }
  if (guildId !== undefined && !snowflake.test(guildId)) {
    problems.push(`DISCORD_GUILD_ID=${guildId} is not a Discord id: use the server's 17 to 20 digit id (Copy Server ID), or unset it to register commands globally.`);
  }
  if (apiUrl !== undefined && !isHttpUrl(apiUrl)) {
    problems.push(`DISCORD_API_URL=${apiUrl} is not an http(s) URL: use e.g. http://127.0.0.1:8080/api, or unset it for https://discord.com/api.`);
  }
  const shardCount = rawShards === undefined ? undefined : Number(rawShards);
  const validCount = shardCount !== undefined && Number.isInteger(shardCount) && shardCount >= 1 && shardCount <= 10_000 ? shardCount : undefined;
  if (shardCount !== undefined && validCount === undefined) {
    problems.push(`SHARD_COUNT=${rawShards} is not valid: use a whole number of shards from 1 to 10000, or unset it for Discord's recommended count.`);
  }
  const rawShardIds = read('DISCORD_SHARDS');
  if (rawShardIds !== undefined && shardCount === undefined) {
    problems.push(`DISCORD_SHARDS=${rawShardIds} needs SHARD_COUNT: set SHARD_COUNT to the total number of shards across every process, or unset DISCORD_SHARDS to run every shard here.`);
  }
  // A bad SHARD_COUNT is reported above; the ids can only be checked against a good one.
  const shards = rawShardIds === undefined || validCount === undefined ? undefined : readShardIds(rawShardIds, validCount, problems);
  return { token, applicationId: applicationId ?? '', guildId, apiUrl: apiUrl?.replace(/\/+$/u, ''), shardCount, shards };
}

/** DISCORD_SHARDS: shard ids and ranges, e.g. `3`, `0,1` or `0-3`, each below SHARD_COUNT and named once. */
function readShardIds(raw: string, shardCount: number, problems: string[]): number[] | undefined {
  const ids = new Set<number>();
  for (const part of raw.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/u.exec(part);
    const first = Number(range?.[1]);
    const last = Number(range?.[2] ?? range?.[1]);
    if (!range || first > last) {
      problems.push(`DISCORD_SHARDS=${raw} is not valid: use shard ids and ranges from low to high, e.g. 3, 0,1 or 0-3, or unset it to run every shard here.`);
      return undefined;
    }
    // Checked before the range is expanded, so a huge range costs nothing.
    if (last >= shardCount) {
      problems.push(`DISCORD_SHARDS=${raw} names shard ${last}, but SHARD_COUNT=${shardCount} numbers shards 0 to ${shardCount - 1}: name only those.`);
      return undefined;
    }
    for (let id = first; id <= last; id++) {
      if (ids.has(id)) {
        problems.push(`DISCORD_SHARDS=${raw} names shard ${id} twice: name each shard once.`);
        return undefined;
      }
      ids.add(id);
    }
  }
  return [...ids].sort((a, b) => a - b);
}

/** Each of REDIS_URL, MONGODB_URL and PINECONE_API_KEY moves its concern to a production store. */
function readStoresConfig(read: (name: string) => string | undefined, problems: string[]): StoresConfig {
  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/u.test(redisUrl)) {
    problems.push(`REDIS_URL=${redisUrl} is not a Redis URL: use e.g. redis://127.0.0.1:6379, or unset it for the embedded store.`);
  }
  const keyPrefix = read('REDIS_KEY_PREFIX') ?? 'crosstalk:';
  if (/[{}\s]/u.test(keyPrefix)) {
    problems.push(`REDIS_KEY_PREFIX=${keyPrefix} contains braces or spaces: use e.g. crosstalk:, since Redis Cluster hash tags follow it.`);
  }
  const rawTtl = read('CHECKPOINT_TTL_DAYS');
  const ttlDays = rawTtl === undefined ? undefined : Number(rawTtl);
  if (ttlDays !== undefined && !(Number.isInteger(ttlDays) && ttlDays >= 1 && ttlDays <= 3_650)) {
    problems.push(`CHECKPOINT_TTL_DAYS=${rawTtl} is not valid: use a whole number of days from 1 to 3650, or unset it to keep threads until deleted.`);
  }

  const mongoUrl = read('MONGODB_URL');
  if (mongoUrl !== undefined && !/^mongodb(\+srv)?:\/\/\S+$/u.test(mongoUrl)) {
    problems.push(`MONGODB_URL=${mongoUrl} is not a MongoDB URL: use e.g. mongodb://127.0.0.1:27017/crosstalk, or unset it for the embedded store.`);
  }
  // The database named in the URL's path, else `crosstalk` (the driver's own default is `test`).
  const database = mongoUrl === undefined ? '' : (/^mongodb(?:\+srv)?:\/\/[^/?]+\/([^/?]+)/u.exec(mongoUrl)?.[1] ?? 'crosstalk');

  const pineconeKey = read('PINECONE_API_KEY');
  const indexHost = read('PINECONE_INDEX_HOST');
  const controllerUrl = read('PINECONE_CONTROLLER_URL');
  if (controllerUrl !== undefined && !isHttpUrl(controllerUrl)) {
    problems.push(`PINECONE_CONTROLLER_URL=${controllerUrl} is not an http(s) URL: use e.g. https://api.pinecone.io, or unset it.`);
  }

  const llmCache = read('LLM_CACHE');
  if (llmCache !== undefined && llmCache !== 'redis' && llmCache !== 'none') {
    problems.push(`LLM_CACHE=${llmCache} is not valid: use redis, or unset it for no cache.`);
  }
  if (llmCache === 'redis' && redisUrl === undefined) {
    problems.push('LLM_CACHE=redis needs REDIS_URL: set REDIS_URL, or unset LLM_CACHE.');
  }

  return {
    redis: redisUrl === undefined ? undefined : { url: redisUrl, keyPrefix, checkpointTtlDays: ttlDays },
    mongodb: mongoUrl === undefined ? undefined : { url: mongoUrl, database: decodeURIComponent(database) },
    pinecone:
      pineconeKey === undefined
        ? undefined
        : { apiKey: pineconeKey, index: read('PINECONE_INDEX') ?? 'crosstalk-knowledge', indexHost, controllerUrl },
    llmCache: llmCache === 'redis' ? 'redis' : undefined,
  };
}

function decodeKey(raw: string): Buffer | undefined {
  const key = /^[0-9a-f]{64}$/iu.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  return key.length === 32 ? key : undefined;
}

function readOpsConfig(
  read: (name: string) => string | undefined,
  problems: string[],
  integer: (name: string, fallback: number, min: number, max: number) => number,
): OpsConfig {
  const flag = (name: string) => {
    const raw = read(name);
    if (raw === undefined) return false;
    if (/^(true|1|yes)$/iu.test(raw)) return true;
    if (!/^(false|0|no)$/iu.test(raw)) problems.push(`${name}=${raw} is not valid: use true or false.`);
    return false;
  };
  const logFormat = read('LOG_FORMAT');
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') {
    problems.push(`LOG_FORMAT=${logFormat} is not valid: use json or pretty, or unset it (pretty on a terminal, JSON otherwise).`);
  }
  const dsn = read('SENTRY_DSN');
  if (dsn !== undefined && !/^https?:\/\/[^@\s]+@[^/\s]+\/\S*\d+$/u.test(dsn)) {
    problems.push(`SENTRY_DSN=${dsn} is not a Sentry DSN: copy it from the project's Client Keys page (https://<key>@<host>/<project id>), or unset it.`);
  }
  return {
    logMessageText: flag('LOG_MESSAGE_TEXT'),
    logFormat: logFormat === 'json' || logFormat === 'pretty' ? logFormat : undefined,
    sentry: dsn === undefined ? undefined : { dsn, environment: read('SENTRY_ENVIRONMENT') },
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 25_000, 0, 600_000),
    serveHttp: flag('SERVE_HTTP'),
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
