// Pinecone knowledge through the real SDK: against the local fake (test/fakes/pinecone-server.ts)
// always, and against real Pinecone when PINECONE_API_KEY is set.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openPineconeIndex } from '../../src/stores/pinecone/connection.js';
import { PineconeKnowledgeStore } from '../../src/stores/pinecone/knowledge.js';
import { StoreUnavailableError } from '../../src/stores/sqlite/database.js';
import { describeKnowledgeStore } from '../conformance/knowledge.js';
import { startFakePinecone, type FakePinecone } from '../fakes/pinecone-server.js';

let fake: FakePinecone;
beforeAll(async () => {
  fake = await startFakePinecone();
});
afterAll(async () => {
  await fake.close();
});

/** The Pinecone settings the app would read, pointed at the fake's control plane. */
function fakeConfig(overrides: Record<string, string> = {}) {
  const config = loadConfig({ PINECONE_API_KEY: 'pc-test', PINECONE_CONTROLLER_URL: fake.url, PINECONE_INDEX: fake.indexName, ...overrides });
  return config.stores.pinecone!;
}

describeKnowledgeStore(
  'Pinecone (local fake, real SDK)',
  async () => {
    const store = new PineconeKnowledgeStore(await openPineconeIndex(fakeConfig()));
    return { store, cleanup: async () => fake.namespaces.clear() };
  },
  { nearestNeighbours: true },
);

describe('Pinecone knowledge', () => {
  it('keeps each workspace in its own namespace and ids per source and chunk', async () => {
    const store = new PineconeKnowledgeStore(await openPineconeIndex(fakeConfig()));
    await store.replaceSource('T1', { id: 'docs/a#b.md', title: 'A' }, ['one', 'two']);
    await store.replaceSource('T2', { id: 'docs/a#b.md', title: 'A' }, ['three']);

    expect([...(fake.namespaces.get('T1')?.keys() ?? [])].sort()).toEqual(['docs%2Fa%23b.md#0', 'docs%2Fa%23b.md#1']);
    expect([...(fake.namespaces.get('T2')?.keys() ?? [])]).toEqual(['docs%2Fa%23b.md#0']);
    expect(fake.requests).toContain('POST /records/namespaces/T1/upsert');
    fake.namespaces.clear();
  });

  it('replaces a long source across upsert batches and list pages, leaving no stale chunk', async () => {
    const store = new PineconeKnowledgeStore(await openPineconeIndex(fakeConfig()));
    const source = { id: 'handbook.md', title: 'Handbook' };
    await store.replaceSource('T1', source, Array.from({ length: 250 }, (_, n) => `old section ${n}`));

    await store.replaceSource('T1', source, Array.from({ length: 120 }, (_, n) => `new section ${n}`));

    const texts = [...(fake.namespaces.get('T1')?.values() ?? [])].map((record) => String(record.fields.text));
    expect(texts).toHaveLength(120);
    expect(texts.every((text) => text.startsWith('new'))).toBe(true);
    expect(await store.deleteSource('T1', 'handbook.md')).toBe(true);
    expect(fake.namespaces.get('T1')?.size).toBe(0);
  });

  it('stops the start naming PINECONE_API_KEY and the fix when the index is missing', async () => {
    const opening = openPineconeIndex(fakeConfig({ PINECONE_INDEX: 'no-such-index' }));

    await expect(opening).rejects.toThrow(StoreUnavailableError);
    await expect(openPineconeIndex(fakeConfig({ PINECONE_INDEX: 'no-such-index' }))).rejects.toThrow(
      /^PINECONE_API_KEY is set but Pinecone did not answer for index no-such-index .*unset PINECONE_API_KEY for the embedded store\.$/,
    );
  });

  it('stops the start when the API key is refused', async () => {
    const guarded = await startFakePinecone({ apiKey: 'right-key' });
    try {
      const config = loadConfig({ PINECONE_API_KEY: 'wrong-key', PINECONE_CONTROLLER_URL: guarded.url }).stores.pinecone!;
      await expect(openPineconeIndex(config)).rejects.toThrow(/check PINECONE_API_KEY/);
    } finally {
      await guarded.close();
    }
  });
});

// Real Pinecone is eventually consistent: a record can take seconds to become searchable, so
// this run waits between writing and reading where the fake does not need to.
describe.skipIf(!process.env.PINECONE_API_KEY)('Pinecone knowledge on real Pinecone (set PINECONE_API_KEY to run)', () => {
  it('finds a passage it stored, in its own namespace only', async () => {
    const config = loadConfig({ ...process.env }).stores.pinecone!;
    const store = new PineconeKnowledgeStore(await openPineconeIndex(config));
    const workspace = `crosstalk-test-${randomUUID()}`;
    await store.replaceSource(workspace, { id: 'runbook.md', title: 'Runbook' }, ['Restart the billing worker with systemctl restart billing.']);
    let passages: Awaited<ReturnType<typeof store.search>> = [];
    for (let attempt = 0; attempt < 30 && passages.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      passages = await store.search(workspace, 'how do I restart billing?', 3);
    }
    expect(passages[0]?.source).toEqual({ id: 'runbook.md', title: 'Runbook' });
    expect(await store.search(`${workspace}-other`, 'restart billing', 3)).toEqual([]);
    await store.deleteSource(workspace, 'runbook.md');
  }, 60_000);
});
