// The one Redis connection the production stores share: fails fast at start-up, then rides out
// outages (commands fail at once while Redis is away, and the client reconnects by itself).
import { ErrorReply, createClient, type RedisClientType, type RedisDefaultModules } from 'redis';
import type { Logger } from '../../logger.js';
import { StoreUnavailableError } from '../sqlite/database.js';

type None = Record<never, never>;
export type RedisClient = RedisClientType<RedisDefaultModules, None, None, 3, None>;

export interface RedisConnectOptions {
  connectTimeoutMs?: number;
  /** Upper bound of the wait between reconnect attempts once running. */
  maxReconnectDelayMs?: number;
}

export async function connectRedis(url: string, logger: Logger, options: RedisConnectOptions = {}): Promise<RedisClient> {
  const log = logger.child({ component: 'redis', url: redactedUrl(url) });
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  let started = false;
  let outage = false;
  const client = createClient({
    url,
    // Queued commands would hold a turn until Redis returns; failing lets the turn apologise.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      // Before the first connection a refusal ends the start; afterwards we retry for ever.
      reconnectStrategy: (retries, cause) => (started ? Math.min(50 * 2 ** Math.min(retries, 6), maxDelay) : cause),
    },
  });
  // Without a listener a dropped connection would crash the process.
  client.on('error', (error: unknown) => {
    if (!started || outage) return;
    outage = true;
    log.error({ err: error }, 'lost the connection to Redis; reconnecting');
  });
  client.on('ready', () => {
    if (outage) log.warn('reconnected to Redis');
    outage = false;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    if (client.isOpen) client.destroy();
    throw new StoreUnavailableError(
      `REDIS_URL is set but Redis did not answer at ${redactedUrl(url)} (${(error as Error).message || 'no reply'}): start Redis or unset REDIS_URL for the embedded store.`,
    );
  }
  started = true;
  return client;
}

/** The URL without its password, for logs and messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Rethrows a connection failure as StoreUnavailableError, so the turn's apology says storage is
 * away rather than "something went wrong". Redis error replies (bugs, not outages) pass through.
 */
export function storeFailure(error: unknown): never {
  if (error instanceof ErrorReply) throw error;
  throw new StoreUnavailableError(`Redis is not available: ${(error as Error).message}`, { cause: error });
}
