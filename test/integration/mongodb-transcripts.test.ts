// MongoDB transcripts against the transcript conformance suite. No MongoDB server can be installed
// on the project's build machines, so this runs only where MONGODB_URL points at one.
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoTranscriptStore, TRANSCRIPTS_COLLECTION } from '../../src/stores/mongodb/transcripts.js';
import { describeTranscriptStore } from '../conformance/transcripts.js';

const url = process.env.MONGODB_URL;

describe.skipIf(!url)('MongoDB transcripts (set MONGODB_URL to run)', () => {
  let client: MongoClient;
  const databases: string[] = [];
  beforeAll(async () => {
    client = await new MongoClient(url!, { serverSelectionTimeoutMS: 5_000 }).connect();
  });
  afterAll(async () => {
    for (const name of databases) await client.db(name).dropDatabase();
    await client.close();
  });

  /** A fresh database per test, dropped at the end. */
  async function freshStore() {
    const name = `crosstalk-test-${randomUUID().slice(0, 8)}`;
    databases.push(name);
    return MongoTranscriptStore.open(client.db(name));
  }

  describeTranscriptStore('MongoDB', async () => ({ store: await freshStore(), cleanup: async () => {} }));

  it('creates the indexes for thread reads, channel reads and retention at start-up', async () => {
    await freshStore();
    const db = client.db(databases.at(-1)!);

    const names = (await db.collection(TRANSCRIPTS_COLLECTION).indexes()).map((index) => index.name);

    expect(names).toEqual(expect.arrayContaining(['unique_message', 'thread_reads', 'channel_since', 'retention']));
  });
});
