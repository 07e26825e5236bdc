// The embedded SQLite stores against every port's conformance suite, plus what only the one shared file can get wrong.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from '../../src/stores/embedded.js';
import type { Stores } from '../../src/stores/ports.js';
import { DATABASE_FILE, openDatabase, openedDatabase, StoreUnavailableError } from '../../src/stores/sqlite/database.js';
import { SqliteThreadLocks } from '../../src/stores/sqlite/locks.js';
import { processIdentity } from '../../src/stores/sqlite/process-identity.js';
import { describeCheckpointer } from '../conformance/checkpointer.js';
import { describeMessageDedupe, describeThreadLocks, describeTurnInbox } from '../conformance/coordination.js';
import { describeKnowledgeStore } from '../conformance/knowledge.js';
import { describeTranscriptStore } from '../conformance/transcripts.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-sqlite-'));
}

/** One port of a fresh embedded store in its own temp dir; cleanup closes it and removes the dir. */
function embedded<K extends Exclude<keyof Stores, 'close'>>(port: K) {
  return async () => {
    const dir = tempDir();
    const stores = openEmbeddedStores(dir);
    return {
      store: stores[port],
      cleanup: async () => {
        await stores.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

describeTranscriptStore('SQLite', embedded('transcripts'));
describeKnowledgeStore('SQLite FTS5', embedded('knowledge'));
describeMessageDedupe('SQLite', embedded('dedupe'));
describeThreadLocks('SQLite', embedded('locks'));
describeTurnInbox('SQLite', embedded('inbox'));
// The upstream package name, so the validation suite skips the one test it knows SqliteSaver fails.
describeCheckpointer('@langchain/langgraph-checkpoint-sqlite', embedded('checkpointer'));

describe('the embedded SQLite file', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });

  function openTwice() {
    const dir = tempDir();
    const first = openEmbeddedStores(dir);
    const second = openEmbeddedStores(dir);
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    cleanups.push(() => void first.close());
    cleanups.push(() => void second.close());
    return { dir, first, second };
  }

  it('keeps the first open handle as the shared one when a second one closes', () => {
    const dir = tempDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const shared = openDatabase(dir);
    cleanups.push(() => void shared.close());
    openDatabase(dir).close();
    expect(openedDatabase(dir)).toBe(shared);
  });

  describe('opened twice on one data dir, as two processes would', () => {
    it('refuses a message id in one that the other already claimed', async () => {
      const { first, second } = openTwice();

      expect(await first.dedupe.claim('evt-1', 60_000)).toBe(true);
      expect(await second.dedupe.claim('evt-1', 60_000)).toBe(false);
    });

    it('grants exactly one of 50 interleaved claims from both', async () => {
      const { first, second } = openTwice();

      const claims = Array.from({ length: 50 }, (_, n) => (n % 2 ? first : second).dedupe.claim('evt-race', 60_000));

      expect((await Promise.all(claims)).filter(Boolean)).toHaveLength(1);
    });

    it('lets only one hold a thread lock until it releases', async () => {
      const { first, second } = openTwice();
      const lease = await first.locks.acquire('slack:T1:C1:1', 60_000);
      expect(lease).toBeDefined();

      expect(await second.locks.acquire('slack:T1:C1:1', 60_000)).toBeUndefined();

      await lease!.release();
      expect(await second.locks.acquire('slack:T1:C1:1', 60_000)).toBeDefined();
      expect(await first.locks.acquire('slack:T1:C1:1', 60_000)).toBeUndefined();
    });

    it("keeps one's stale release from freeing the other's lock", async () => {
      const { first, second } = openTwice();
      const stale = await first.locks.acquire('slack:T1:C1:1', 50);
      await new Promise((resolve) => setTimeout(resolve, 150));
      const current = await second.locks.acquire('slack:T1:C1:1', 60_000);
      expect(current).toBeDefined();

      await stale!.release();

      expect(await first.locks.acquire('slack:T1:C1:1', 60_000)).toBeUndefined();
      expect(await stale!.renew(60_000)).toBe(false);
      expect(await current!.renew(60_000)).toBe(true);
    });

    it('sees messages the other pushed to the inbox', async () => {
      const { first, second } = openTwice();
      const thread = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: '1' } as const;
      await first.inbox.push('slack:T1:C1:1', {
        id: 'm1',
        thread,
        author: { id: 'U1', name: 'Ada', isBot: false },
        text: 'hi',
        kind: 'mention',
        receivedAt: new Date(0),
      });

      expect(await second.inbox.pendingThreads()).toEqual(['slack:T1:C1:1']);
    });
  });

  // Holders are told apart through /proc; elsewhere only the TTL frees a lock.
  describe.runIf(process.platform === 'linux')('a thread lock held by another process on this machine', () => {
    const key = 'slack:T1:C1:1';

    /** A second process (standing in for a crosstalk killed mid-turn) and a connection to take locks as it. */
    async function otherProcess(dir: string) {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1_000)'], { stdio: 'ignore' });
      const exited = once(child, 'exit');
      cleanups.push(() => void child.kill('SIGKILL'));
      await once(child, 'spawn');
      const identity = processIdentity(child.pid!);
      expect(identity).toBeDefined();
      return {
        identity: identity!,
        locksAs: (holder = identity) => new SqliteThreadLocks(connection(dir), holder),
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      };
    }

    function connection(dir: string) {
      const db = openDatabase(dir);
      cleanups.push(() => db.close());
      return db;
    }

    it('is free at once when its holder was killed', async () => {
      const { dir, first } = openTwice();
      const other = await otherProcess(dir);
      const dead = await other.locksAs().acquire(key, 60_000);
      expect(dead).toBeDefined();

      await other.kill();

      expect(await first.locks.acquire(key, 60_000)).toBeDefined();
      expect(await dead!.renew(60_000)).toBe(false);
    });

    it('stays held while its holder lives', async () => {
      const { dir, first } = openTwice();
      const other = await otherProcess(dir);
      expect(await other.locksAs().acquire(key, 60_000)).toBeDefined();

      expect(await first.locks.acquire(key, 60_000)).toBeUndefined();
    });

    it('is free once the pid names a later process than the holder', async () => {
      const { dir, first } = openTwice();
      const other = await otherProcess(dir);
      // The holder started at boot and is gone; the live child reuses its pid.
      const earlier = { ...other.identity, startTicks: '0' };
      expect(await other.locksAs(earlier).acquire(key, 60_000)).toBeDefined();

      expect(await first.locks.acquire(key, 60_000)).toBeDefined();
    });

    it('held from another machine or container, waits for its TTL even when the pid is dead here', async () => {
      const { dir, first } = openTwice();
      const other = await otherProcess(dir);
      const elsewhere = { ...other.identity, pidSpace: `another-boot ${other.identity.pidSpace.split(' ')[1]}` };
      expect(await other.locksAs(elsewhere).acquire(key, 100)).toBeDefined();
      await other.kill();

      expect(await first.locks.acquire(key, 60_000)).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await first.locks.acquire(key, 60_000)).toBeDefined();
    });

    it('held in a file from before holders were kept, waits for its TTL', async () => {
      const dir = tempDir();
      cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
      const old = connection(dir);
      old.exec('CREATE TABLE locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID');
      old.prepare('INSERT INTO locks VALUES (?, ?, ?)').run(key, 'an-older-crosstalk', Date.now() + 60_000);

      const locks = new SqliteThreadLocks(connection(dir));

      expect(await locks.acquire(key, 60_000)).toBeUndefined();
      expect(await locks.acquire(`${key}0`, 60_000)).toBeDefined();
    });
  });

  it('keeps inbox messages and transcripts across close and reopen', async () => {
    const dir = tempDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const thread = { platform: 'shell', workspaceId: 'local', channelId: 'general', threadId: '1' } as const;
    const author = { id: 'U1', name: 'Ada', isBot: false };
    const before = openEmbeddedStores(dir);
    const message = { id: 'm1', thread, author, text: 'hi', kind: 'dm' } as const;
    await before.inbox.push('shell:local:general:1', { ...message, receivedAt: new Date(0) });
    await before.transcripts.append({ ...message, direction: 'inbound', at: new Date(0) });
    await before.close();

    const after = openEmbeddedStores(dir);
    cleanups.push(() => void after.close());

    expect(await after.inbox.pendingThreads()).toEqual(['shell:local:general:1']);
    expect(await after.transcripts.thread(thread)).toHaveLength(1);
  });

  it('refuses a data dir it cannot write, naming DATA_DIR', () => {
    const dataDir = unwritableDataDir();

    expect(() => openEmbeddedStores(dataDir)).toThrow(StoreUnavailableError);
    expect(() => openEmbeddedStores(dataDir)).toThrow(/DATA_DIR/);
    expect(() => openEmbeddedStores(dataDir)).toThrow(dataDir);
  });

  it('refuses a corrupt database file, saying to move it aside', () => {
    const dir = tempDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, DATABASE_FILE);
    fs.writeFileSync(file, randomBytes(64 * 1024));

    expect(() => openEmbeddedStores(dir)).toThrow(StoreUnavailableError);
    expect(() => openEmbeddedStores(dir)).toThrow(/move it aside/);
    expect(() => openEmbeddedStores(dir)).toThrow(file);
  });

  /**
   * A read-only folder, or, where chmod does not stop this user (root), a path under a regular file, which no
   * user can create folders in.
   */
  function unwritableDataDir(): string {
    const dir = tempDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const readOnly = path.join(dir, 'read-only');
    fs.mkdirSync(readOnly, { mode: 0o555 });
    fs.chmodSync(readOnly, 0o555);
    cleanups.push(() => fs.chmodSync(readOnly, 0o755));
    try {
      fs.writeFileSync(path.join(readOnly, 'probe'), '');
    } catch {
      return readOnly;
    }
    fs.writeFileSync(path.join(dir, 'afile'), '');
    return path.join(dir, 'afile', 'sub');
  }
});
