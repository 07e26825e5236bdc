// The Agenda backend conformance suite on every backend: the embedded SQLite file, Redis, and
// MongoDB when MONGODB_URL is set.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoBackend } from '@agendajs/mongo-backend';
import { RedisBackend } from '@agendajs/redis-backend';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe } from 'vitest';
import { SqliteBackend } from '../../jobs/sqlite-backend.js';
import { openDatabase, type SqliteDatabase } from '../../src/stores/sqlite/database.js';
import { describeJobBackend } from '../conformance/job-backend.js';
import { reachRedis } from '../redis/redis-server.js';

describeJobBackend('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-jobs-'));
  // Each backend gets its own connection to the one file, as separate processes would.
  const handles: SqliteDatabase[] = [];
  return {
    open: () => {
      const db = openDatabase(dir);
      handles.push(db);
      return new SqliteBackend(db);
    },
    cleanup: async () => {
      for (const db of handles) db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

let redisUrl = '';
let stopRedis = async () => {};
beforeAll(async () => {
  ({ url: redisUrl, stop: stopRedis } = await reachRedis());
}, 30_000);
afterAll(() => stopRedis());

describeJobBackend('Redis', async () => {
  const keyPrefix = `crosstalk-test:agenda:${randomUUID()}:`;
  return {
    open: () => new RedisBackend({ connectionString: redisUrl, keyPrefix }),
    cleanup: async () => {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
});

const mongoUrl = process.env.MONGODB_URL;
if (mongoUrl) {
  describeJobBackend('MongoDB', async () => {
    const collection = `agendaJobs_${randomUUID().replaceAll('-', '')}`;
    return {
      open: () => new MongoBackend({ address: mongoUrl, collection }),
      cleanup: async () => {
        const client = await MongoClient.connect(mongoUrl);
        await client.db().collection(collection).drop().catch(() => {});
        await client.close();
      },
    };
  });
} else {
  describe.skip('Agenda backend: MongoDB (set MONGODB_URL to run it)', () => {});
}
