// Conformance suites for the coordination ports: MessageDedupe, ThreadLocks and TurnInbox.
// Expiry is tested on the real clock with short TTLs, since stores such as Redis keep their own time.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { threadKey, type ChatMessage, type ThreadRef } from '../../src/model.js';
import type { MessageDedupe, ThreadLocks, TurnInbox } from '../../src/stores/ports.js';

type Factory<T> = () => Promise<{ store: T; cleanup(): Promise<void> }>;

/** Long enough never to lapse during a test. */
const HELD_MS = 60_000;
/** Short enough to wait out; waits are a multiple of it so slow stores still see it lapse. */
const BRIEF_MS = 100;
const LAPSED_MS = BRIEF_MS * 3;

export function describeMessageDedupe(name: string, create: Factory<MessageDedupe>): void {
  describe(`MessageDedupe: ${name}`, () => {
    const fixture = useStore(create);

    it('accepts the first claim of an id', async () => {
      expect(await fixture.store.claim('slack:T1:1700000000.000100', HELD_MS)).toBe(true);
    });

    it('refuses a second claim of the same id', async () => {
      await fixture.store.claim('evt-1', HELD_MS);

      expect(await fixture.store.claim('evt-1', HELD_MS)).toBe(false);
    });

    it('treats different ids independently, including prefixes of each other', async () => {
      expect(await fixture.store.claim('evt-1', HELD_MS)).toBe(true);
      expect(await fixture.store.claim('evt-10', HELD_MS)).toBe(true);
      expect(await fixture.store.claim('EVT-1', HELD_MS)).toBe(true);
    });

    it('grants exactly one of 50 concurrent claims of the same id', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => fixture.store.claim('evt-race', HELD_MS)));

      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('accepts a claim again once the earlier one has expired', async () => {
      await fixture.store.claim('evt-1', BRIEF_MS);
      await sleep(LAPSED_MS);

      expect(await fixture.store.claim('evt-1', HELD_MS)).toBe(true);
      expect(await fixture.store.claim('evt-1', HELD_MS)).toBe(false);
    });

    it('keeps refusing a claim before its time is up', async () => {
      await fixture.store.claim('evt-1', LAPSED_MS * 10);
      await sleep(LAPSED_MS);

      expect(await fixture.store.claim('evt-1', HELD_MS)).toBe(false);
    });
  });
}

export function describeThreadLocks(name: string, create: Factory<ThreadLocks>): void {
  describe(`ThreadLocks: ${name}`, () => {
    const fixture = useStore(create);
    const key = threadKey({ platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: '1' });

    it('grants a free lock', async () => {
      expect(await fixture.store.acquire(key, HELD_MS)).toBeDefined();
    });

    it('refuses a second acquire while the lock is held', async () => {
      await fixture.store.acquire(key, HELD_MS);

      expect(await fixture.store.acquire(key, HELD_MS)).toBeUndefined();
    });

    it('locks each key on its own, even when one key is a prefix of another', async () => {
      await fixture.store.acquire(key, HELD_MS);

      expect(await fixture.store.acquire(`${key}0`, HELD_MS)).toBeDefined();
    });

    it('grants exactly one of 20 concurrent acquires', async () => {
      const leases = await Promise.all(Array.from({ length: 20 }, () => fixture.store.acquire(key, HELD_MS)));

      expect(leases.filter(Boolean)).toHaveLength(1);
    });

    it('lets the lock be acquired again after release', async () => {
      const lease = await fixture.store.acquire(key, HELD_MS);

      await lease!.release();

      expect(await fixture.store.acquire(key, HELD_MS)).toBeDefined();
    });

    it('lets another owner acquire once the lease expires', async () => {
      await fixture.store.acquire(key, BRIEF_MS);
      await sleep(LAPSED_MS);

      expect(await fixture.store.acquire(key, HELD_MS)).toBeDefined();
    });

    it("does not free the new owner's lock when a stale owner releases", async () => {
      const stale = await fixture.store.acquire(key, BRIEF_MS);
      await sleep(LAPSED_MS);
      const current = await fixture.store.acquire(key, HELD_MS);
      expect(current).toBeDefined();

      await stale!.release();

      expect(await fixture.store.acquire(key, HELD_MS)).toBeUndefined();
      expect(await current!.renew(HELD_MS)).toBe(true);
    });

    it('renew keeps the lock past its original expiry', async () => {
      const lease = await fixture.store.acquire(key, LAPSED_MS);
      await sleep(BRIEF_MS);

      expect(await lease!.renew(HELD_MS)).toBe(true);
      await sleep(LAPSED_MS);

      expect(await fixture.store.acquire(key, HELD_MS)).toBeUndefined();
    });

    it('renew reports false once the lease was lost to another owner', async () => {
      const lost = await fixture.store.acquire(key, BRIEF_MS);
      await sleep(LAPSED_MS);
      const taker = await fixture.store.acquire(key, HELD_MS);

      expect(await lost!.renew(HELD_MS)).toBe(false);
      expect(await taker!.renew(HELD_MS)).toBe(true);
      expect(await fixture.store.acquire(key, HELD_MS)).toBeUndefined();
    });

    it('release of an already released lease is harmless', async () => {
      const lease = await fixture.store.acquire(key, HELD_MS);
      await lease!.release();
      const next = await fixture.store.acquire(key, HELD_MS);

      await lease!.release();

      expect(await fixture.store.acquire(key, HELD_MS)).toBeUndefined();
      expect(await next!.renew(HELD_MS)).toBe(true);
    });
  });
}

export function describeTurnInbox(name: string, create: Factory<TurnInbox>): void {
  describe(`TurnInbox: ${name}`, () => {
    const fixture = useStore(create);
    const key = threadKey(THREAD);

    it('peek returns pushed messages oldest first without removing them', async () => {
      for (const id of ['m1', 'm2', 'm3']) await fixture.store.push(key, chatMessage(id));

      expect(ids(await fixture.store.peek(key, 10))).toEqual(['m1', 'm2', 'm3']);
      expect(ids(await fixture.store.peek(key, 10))).toEqual(['m1', 'm2', 'm3']);
    });

    it('peek returns at most `limit` of the oldest messages', async () => {
      for (const id of ['m1', 'm2', 'm3', 'm4']) await fixture.store.push(key, chatMessage(id));

      expect(ids(await fixture.store.peek(key, 2))).toEqual(['m1', 'm2']);
    });

    it('keeps one copy of a message pushed twice', async () => {
      await fixture.store.push(key, chatMessage('m1'));
      await fixture.store.push(key, chatMessage('m2'));

      await fixture.store.push(key, chatMessage('m1'));

      expect(ids(await fixture.store.peek(key, 10))).toEqual(['m1', 'm2']);
    });

    it('ack removes only the given messages', async () => {
      for (const id of ['m1', 'm2', 'm3']) await fixture.store.push(key, chatMessage(id));

      await fixture.store.ack(key, ['m1', 'm3']);

      expect(ids(await fixture.store.peek(key, 10))).toEqual(['m2']);
    });

    it('ack of unknown ids or an empty list changes nothing', async () => {
      await fixture.store.push(key, chatMessage('m1'));

      await fixture.store.ack(key, []);
      await fixture.store.ack(key, ['never-pushed']);

      expect(ids(await fixture.store.peek(key, 10))).toEqual(['m1']);
    });

    it('keeps threads apart, including thread "1" and thread "10"', async () => {
      const one = threadKey({ ...THREAD, threadId: '1' });
      const ten = threadKey({ ...THREAD, threadId: '10' });
      await fixture.store.push(one, chatMessage('same-id', { threadId: '1' }));
      await fixture.store.push(ten, chatMessage('same-id', { threadId: '10' }));
      await fixture.store.push(ten, chatMessage('only-in-10', { threadId: '10' }));

      await fixture.store.ack(one, ['same-id']);

      expect(ids(await fixture.store.peek(one, 10))).toEqual([]);
      expect(ids(await fixture.store.peek(ten, 10))).toEqual(['same-id', 'only-in-10']);
    });

    it('pendingThreads lists exactly the threads with waiting messages', async () => {
      const one = threadKey({ ...THREAD, threadId: '1' });
      const two = threadKey({ ...THREAD, threadId: '2' });
      expect(await fixture.store.pendingThreads()).toEqual([]);
      await fixture.store.push(one, chatMessage('a', { threadId: '1' }));
      await fixture.store.push(two, chatMessage('b', { threadId: '2' }));
      await fixture.store.push(two, chatMessage('c', { threadId: '2' }));

      expect([...(await fixture.store.pendingThreads())].sort()).toEqual([one, two].sort());

      await fixture.store.ack(two, ['b', 'c']);
      expect(await fixture.store.pendingThreads()).toEqual([one]);
    });

    it('round-trips a message field for field, receivedAt as a Date to the millisecond', async () => {
      const message: ChatMessage = {
        ...chatMessage('cmd-1'),
        text: 'summarise\nthe "last" week 👀 \u0000',
        kind: 'command',
        command: { name: 'digest', args: '--since 7d' },
        receivedAt: new Date('2024-02-29T23:59:59.999Z'),
      };

      await fixture.store.push(key, message);

      const [stored] = await fixture.store.peek(key, 1);
      expect(stored).toEqual(message);
      expect(stored?.receivedAt).toBeInstanceOf(Date);
      expect(stored?.receivedAt.getTime()).toBe(message.receivedAt.getTime());
    });
  });
}

/** A fresh store for each test, cleaned up after it. */
function useStore<T>(create: Factory<T>): { store: T } {
  const fixture = {} as { store: T; cleanup(): Promise<void> };
  beforeEach(async () => {
    Object.assign(fixture, await create());
  });
  afterEach(async () => {
    await fixture.cleanup();
  });
  return fixture;
}

const THREAD: ThreadRef = { platform: 'discord', workspaceId: 'G1', channelId: 'C1', threadId: '1200000000000000000' };

function chatMessage(id: string, thread: Partial<ThreadRef> = {}): ChatMessage {
  return {
    id,
    thread: { ...THREAD, ...thread },
    author: { id: 'U1', name: 'Ada', isBot: false },
    text: `message ${id}`,
    kind: 'mention',
    receivedAt: new Date('2025-01-01T12:00:00.000Z'),
  };
}

function ids(messages: ChatMessage[]): string[] {
  return messages.map((message) => message.id);
}
