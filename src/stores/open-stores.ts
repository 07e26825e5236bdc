// Store selection by configuration (DESIGN.md section 4): each of REDIS_URL, MONGODB_URL and
// PINECONE_API_KEY moves its concern to production; the rest stays in the embedded SQLite file.
//
// Each production client is imported only when its variable is set: together they would add
// about a second to every start of the terminal chat.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { openEmbeddedStores } from './embedded.js';
import type { InstallationRecords } from './installations.js';
import type { Stores } from './ports.js';
import type { RedisClient } from './redis/connection.js';
import { StoreUnavailableError } from './sqlite/database.js';
import { openInstallationRecords } from './sqlite/installations.js';

export interface OpenedStores extends Stores {
  /** The shared Redis connection when REDIS_URL is set (the LLM cache uses it too). */
  redis: RedisClient | undefined;
  /** Which implementation serves each concern, for the start-up log. */
  description: Record<'checkpoints' | 'coordination' | 'transcripts' | 'knowledge', string>;
}

/**
 * Opens the configured stores, checking that each production store answers; throws
 * StoreUnavailableError naming the variable and the fix when one does not. Nothing is left open
 * on failure.
 */
export async function openStores(config: Config, logger: Logger): Promise<OpenedStores> {
  const { redis: redisConfig, mongodb, pinecone } = config.stores;
  const embedded = openEmbeddedStores(config.dataDir);
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => logger.warn({ err: error }, 'closing a store failed'));
    await embedded.close();
  };
  try {
    const stores: OpenedStores = {
      ...embedded,
      redis: undefined,
      description: { checkpoints: 'SQLite', coordination: 'SQLite', transcripts: 'SQLite', knowledge: 'SQLite FTS5' },
      close: closeAll,
    };

    if (redisConfig) {
      const [{ connectRedis, redactedUrl }, { RedisCheckpointSaver }, { RedisMessageDedupe }, { RedisThreadLocks }, { RedisTurnInbox }] =
        await Promise.all([
          import('./redis/connection.js'),
          import('./redis/checkpointer.js'),
          import('./redis/dedupe.js'),
          import('./redis/locks.js'),
          import('./redis/inbox.js'),
        ]);
      const client = await connectRedis(redisConfig.url, logger);
      closers.push(() => client.close());
      const ttlDays = redisConfig.checkpointTtlDays;
      stores.redis = client;
      stores.checkpointer = new RedisCheckpointSaver(client, {
        keyPrefix: `${redisConfig.keyPrefix}checkpoint:`,
        ...(ttlDays === undefined ? {} : { ttlSeconds: ttlDays * 24 * 60 * 60 }),
      });
      stores.dedupe = new RedisMessageDedupe(client, redisConfig.keyPrefix);
      stores.locks = new RedisThreadLocks(client, redisConfig.keyPrefix);
      stores.inbox = new RedisTurnInbox(client, redisConfig.keyPrefix);
      const where = redactedUrl(redisConfig.url);
      stores.description.checkpoints = `Redis at ${where}`;
      stores.description.coordination = `Redis at ${where}`;
    }

    if (mongodb) {
      const [{ MongoClient }, { MongoTranscriptStore }, { redactedUrl }] = await Promise.all([
        import('mongodb'),
        import('./mongodb/transcripts.js'),
        import('./redis/connection.js'),
      ]);
      const client = new MongoClient(mongodb.url, { serverSelectionTimeoutMS: 5_000, appName: 'crosstalk' });
      closers.push(() => client.close());
      try {
        await client.connect();
        stores.transcripts = await MongoTranscriptStore.open(client.db(mongodb.database));
      } catch (error) {
        throw new StoreUnavailableError(
          `MONGODB_URL is set but MongoDB did not answer at ${redactedUrl(mongodb.url)} (${(error as Error).message.split('\n')[0]}): start MongoDB or unset MONGODB_URL for the embedded store.`,
        );
      }
      stores.description.transcripts = `MongoDB database ${mongodb.database}`;
    }

    if (pinecone) {
      const [{ openPineconeIndex }, { PineconeKnowledgeStore }] = await Promise.all([
        import('./pinecone/connection.js'),
        import('./pinecone/knowledge.js'),
      ]);
      stores.knowledge = new PineconeKnowledgeStore(await openPineconeIndex(pinecone));
      stores.description.knowledge = `Pinecone ${pinecone.indexHost ?? `index ${pinecone.index}`}`;
    }
    return stores;
  } catch (error) {
    await closeAll();
    throw error;
  }
}

export interface OpenedInstallations {
  records: InstallationRecords;
  close(): void | Promise<void>;
}

/**
 * OAuth installation records, sealed with `encryptionKey`: in Redis when REDIS_URL is set, so
 * every replica sees every install, else in the embedded SQLite file.
 */
export async function openInstallations(config: Config, encryptionKey: Buffer, logger: Logger): Promise<OpenedInstallations> {
  const redis = config.stores.redis;
  if (!redis) return openInstallationRecords(config.dataDir, encryptionKey);
  const { openRedisInstallationRecords } = await import('./redis/installations.js');
  return openRedisInstallationRecords(redis.url, redis.keyPrefix, encryptionKey, logger);
}
