// Readiness of the stores, asked through their own ports with the cheapest read each offers, so
// every implementation (SQLite, Redis, MongoDB, Pinecone) is checked the same way.
import type { ThreadRef } from '../model.js';
import { threadKey } from '../model.js';
import type { Stores } from '../stores/ports.js';
import type { ReadinessCheck } from './health.js';

/** A thread and workspace no platform produces: the probes read nothing real. */
const PROBE: ThreadRef = { platform: 'shell', workspaceId: '__readyz', channelId: '__readyz', threadId: '__readyz' };

export function storeReadinessChecks(stores: Stores): ReadinessCheck[] {
  return [
    { name: 'store:checkpoints', check: async () => void (await stores.checkpointer.getTuple({ configurable: { thread_id: threadKey(PROBE) } })) },
    { name: 'store:coordination', check: async () => void (await stores.inbox.peek(threadKey(PROBE), 1)) },
    { name: 'store:transcripts', check: async () => void (await stores.transcripts.thread(PROBE, 1)) },
    { name: 'store:knowledge', check: async () => void (await stores.knowledge.search(PROBE.workspaceId, 'readiness probe', 1)) },
  ];
}

/** Messages waiting in the inbox: the `crosstalk_queued_messages` gauge. */
export async function inboxDepth(stores: Stores, perThreadCap = 1_000): Promise<number> {
  let total = 0;
  for (const key of await stores.inbox.pendingThreads()) total += (await stores.inbox.peek(key, perThreadCap)).length;
  return total;
}
