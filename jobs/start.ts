// Opens the background jobs for the app: the Agenda backend by configuration (MongoDB when
// MONGODB_URL is set, Redis when only REDIS_URL is, else the embedded SQLite file), the digest
// bookkeeping (Redis when REDIS_URL is set, else SQLite), the digest graph on the configured
// model, and the chat commands that drive them.
import type { RedisBackend } from '@agendajs/redis-backend';
import type { AgendaBackend } from 'agenda';
import type { Command } from '../src/commands/command.js';
import type { Config } from '../src/config.js';
import { createChatModel } from '../src/llm/factory.js';
import type { Logger } from '../src/logger.js';
import type { ChatSurface, Platform } from '../src/model.js';
import type { Stores } from '../src/stores/ports.js';
import { openDatabase, openedDatabase } from '../src/stores/sqlite/database.js';
import { buildDigestGraph, digestMessages } from '../graphs/digest/graph.js';
import { createDigestCommand } from './digest-command.js';
import { RedisDigestLedger, SqliteDigestLedger, type DigestLedger } from './digest-ledger.js';
import { fetchPageText } from './ingest-job.js';
import type { DigestRunner } from './job-deps.js';
import { createQueuedKbCommand } from './kb-command.js';
import { Scheduler, type SchedulerDeps } from './scheduler.js';
import { SqliteBackend } from './sqlite-backend.js';

export interface Jobs {
  scheduler: Scheduler;
  /** `/digest`, to register. */
  digestCommand: Command;
  /** `/kb` with `add` queued as a job, to replace the shared one. */
  kbCommand: Command;
  /** Drains running jobs (bounded), then closes what the jobs opened. */
  stop(): Promise<void>;
}

export interface JobsOptions {
  config: Config;
  stores: Stores;
  logger: Logger;
  surfaceFor: (platform: Platform) => ChatSurface | undefined;
  onJobRun?: SchedulerDeps['onJobRun'];
}

export async function startJobs({ config, stores, logger, surfaceFor, onJobRun }: JobsOptions): Promise<Jobs> {
  const { redis, mongodb } = config.stores;
  const closers: Array<() => Promise<void>> = [];
  const sqlite = () => openedDatabase(config.dataDir) ?? openDatabase(config.dataDir);

  // The MongoDB and Redis clients are imported only when configured, to keep starts quick.
  let backend: AgendaBackend;
  if (mongodb) {
    const { MongoBackend } = await import('@agendajs/mongo-backend');
    backend = new MongoBackend({ address: mongodb.url, collection: 'agendaJobs' });
  } else if (redis) {
    const { RedisBackend } = await import('@agendajs/redis-backend');
    backend = quietNotificationErrors(new RedisBackend({ connectionString: redis.url, keyPrefix: `${redis.keyPrefix}agenda:` }), logger);
  } else {
    backend = new SqliteBackend(sqlite());
  }

  let ledger: DigestLedger;
  if (redis) {
    const { connectRedis } = await import('../src/stores/redis/connection.js');
    const client = await connectRedis(redis.url, logger);
    closers.push(() => client.close());
    ledger = new RedisDigestLedger(client, `${redis.keyPrefix}digest:`);
  } else {
    ledger = new SqliteDigestLedger(sqlite());
  }

  const scheduler = new Scheduler({
    backend,
    ledger,
    transcripts: stores.transcripts,
    knowledge: stores.knowledge,
    digest: createDigestRunner(config),
    surfaceFor,
    logger,
    botName: config.botName,
    retentionDays: config.jobs.transcriptRetentionDays,
    fetchText: fetchPageText,
    onJobRun,
  });
  await scheduler.start();
  return {
    scheduler,
    digestCommand: createDigestCommand(scheduler),
    kbCommand: createQueuedKbCommand(scheduler),
    stop: async () => {
      await scheduler.stop();
      for (const close of closers) await close();
    },
  };
}

export function createDigestRunner(config: Pick<Config, 'llm'>): DigestRunner {
  // The model is made on the first digest, so starting the jobs loads no model client.
  let graph: Promise<ReturnType<typeof buildDigestGraph>> | undefined;
  const digestGraph = () =>
    (graph ??= createChatModel(config.llm).then(({ model, offline }) => buildDigestGraph({ model, offline })));
  return { offline: !config.llm, digest: async (messages) => digestMessages(await digestGraph(), messages) };
}

/**
 * The Redis backend's notification channel is an EventEmitter that re-emits every connection
 * error of its subscriber; with no listener Node throws it, and a Redis restart would end the
 * process. It reconnects by itself, and the stores' own connection logs the outage, so here it
 * is only noted at debug level.
 */
function quietNotificationErrors(backend: RedisBackend, logger: Logger): RedisBackend {
  const channel = backend.notificationChannel as unknown as NodeJS.EventEmitter;
  channel.on('error', (error: unknown) => logger.debug({ err: error, component: 'jobs' }, 'job notification channel error'));
  return backend;
}
