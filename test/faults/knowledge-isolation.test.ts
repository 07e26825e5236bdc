// 10,000 knowledge queries across 10 workspaces: not one passage from another workspace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openEmbeddedStores } from '../../src/stores/embedded.js';
import type { Stores } from '../../src/stores/ports.js';
import { recordFault } from './fault-report.js';

const WORKSPACES = 10;
const QUERIES = 10_000;
const WORDS = ['deploy', 'rollback', 'budget', 'holiday', 'incident', 'review', 'release', 'staging', 'oncall', 'vault'];

let dir: string;
let stores: Stores;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-kb-'));
  stores = openEmbeddedStores(dir);
  // Every workspace holds passages with the same words, so only the scoping keeps them apart.
  for (let workspace = 0; workspace < WORKSPACES; workspace++) {
    for (let doc = 0; doc < 20; doc++) {
      const chunks = WORDS.map((word, index) => `W${workspace} doc ${doc}: the ${word} notes, part ${index}, of workspace ${workspace}.`);
      await stores.knowledge.replaceSource(`W${workspace}`, { id: `doc-${doc}.md`, title: `Doc ${doc} of W${workspace}` }, chunks);
    }
  }
});

afterAll(async () => {
  await stores.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('10,000 queries across 10 workspaces return no passage of another workspace', async () => {
  let leaked = 0;
  let passages = 0;
  const started = performance.now();
  for (let query = 0; query < QUERIES; query++) {
    const workspace = query % WORKSPACES;
    const words = `${WORDS[query % WORDS.length]} ${WORDS[(query * 7) % WORDS.length]} workspace`;
    const found = await stores.knowledge.search(`W${workspace}`, words, 5);
    passages += found.length;
    leaked += found.filter((passage) => !passage.text.startsWith(`W${workspace} `)).length;
  }
  const seconds = (performance.now() - started) / 1000;
  recordFault({
    guarantee: 'knowledge stays in its workspace',
    tried: `${QUERIES.toLocaleString('en')} queries across ${WORKSPACES} workspaces (SQLite FTS5)`,
    happened: `${leaked} passages from another workspace, ${passages.toLocaleString('en')} returned`,
    figures: `${Math.round(QUERIES / seconds).toLocaleString('en')} queries/s`,
    held: leaked === 0 && passages > 0,
  });
  expect(passages).toBeGreaterThan(QUERIES);
  expect(leaked).toBe(0);
});
