// OAuth installations in the embedded SQLite file and in Redis: Bolt's store shape round-trips
// across connections (another replica), the bot token is never stored in the clear, and a record
// cannot be opened with another key.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Installation } from '@slack/bolt';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SlackInstallationStore } from '../../adapters/slack/oauth/installation-store.js';
import { createLogger } from '../../src/logger.js';
import type { OpenedInstallations } from '../../src/stores/open-stores.js';
import { openRedisInstallationRecords } from '../../src/stores/redis/installations.js';
import { DATABASE_FILE } from '../../src/stores/sqlite/database.js';
import { openInstallationRecords } from '../../src/stores/sqlite/installations.js';
import { reachRedis } from '../redis/redis-server.js';

const TOKEN = 'xoxb-secret-bot-token-123';
const ACME = { teamId: 'T0ACME', isEnterpriseInstall: false, enterpriseId: undefined };

const installation = {
  team: { id: 'T0ACME', name: 'Acme' },
  enterprise: undefined,
  isEnterpriseInstall: false,
  bot: { token: TOKEN, scopes: ['chat:write'], id: 'B1', userId: 'U0BOT' },
  user: { id: 'U0ADMIN', token: undefined, scopes: undefined },
  tokenType: 'bot',
  appId: 'A1',
  authVersion: 'v2',
} as Installation<'v2', false>;

let redisUrl = '';
let stopRedis = async () => {};
beforeAll(async () => {
  ({ url: redisUrl, stop: stopRedis } = await reachRedis());
}, 30_000);
afterAll(() => stopRedis());

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A place installations live: `open` gives a new connection to it, `stored` every byte it holds. */
interface Backend {
  open(key: Buffer): Promise<OpenedInstallations>;
  stored(): Promise<Buffer>;
}

function sqlite(): Backend {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-install-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const read = (file: string) => (fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file)) : Buffer.alloc(0));
  return {
    open: async (key) => openInstallationRecords(dir, key),
    stored: async () => Buffer.concat([read(DATABASE_FILE), read(`${DATABASE_FILE}-wal`)]),
  };
}

function redis(): Backend {
  const prefix = `crosstalk-test:${randomUUID()}:`;
  const raw = createClient({ url: redisUrl });
  cleanups.push(async () => {
    const keys = await raw.keys(`${prefix}*`);
    if (keys.length > 0) await raw.del(keys);
    await raw.close();
  });
  return {
    open: (key) => openRedisInstallationRecords(redisUrl, prefix, key, createLogger('silent')),
    stored: async () => {
      if (!raw.isOpen) await raw.connect();
      const keys = await raw.keys(`${prefix}*`);
      const values = await Promise.all(keys.map((key) => raw.hGetAll(key)));
      return Buffer.from(JSON.stringify({ keys, values }));
    },
  };
}

describe.each([
  ['SQLite', sqlite],
  ['Redis', redis],
])('Slack installation store on %s', (_name, backendOf) => {
  it('stores, finds and deletes an installation, encrypted at rest', async () => {
    const backend = backendOf();
    const key = randomBytes(32);
    const opened = await backend.open(key);
    await new SlackInstallationStore(opened.records).storeInstallation(installation);
    await opened.close();
    expect((await backend.stored()).includes(TOKEN)).toBe(false);
    expect((await backend.stored()).includes('xoxb-secret')).toBe(false);

    const wrongKey = await backend.open(randomBytes(32));
    await expect(new SlackInstallationStore(wrongKey.records).fetchInstallation(ACME)).rejects.toThrow();
    await wrongKey.close();

    // Another connection (a second replica) finds and deletes what the first stored.
    const again = await backend.open(key);
    const reopened = new SlackInstallationStore(again.records);
    expect((await reopened.fetchInstallation(ACME)).bot?.token).toBe(TOKEN);
    await reopened.deleteInstallation(ACME);
    await expect(reopened.fetchInstallation(ACME)).rejects.toThrow(/not installed/);
    await again.close();
  });
});
