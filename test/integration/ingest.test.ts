import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkDocument } from '../../src/knowledge/chunk.js';
import { ingestPath } from '../../src/knowledge/ingest.js';
import { openEmbeddedStores } from '../../src/stores/embedded.js';
import type { Stores } from '../../src/stores/ports.js';

const WORKSPACE = 'T-ALPHA';
const SERVICES = ['billing', 'search', 'gateway', 'ledger', 'mailer', 'scheduler'];

let dir: string;
let docs: string;
let stores: Stores;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'crosstalk-ingest-'));
  docs = path.join(dir, 'docs');
  stores = openEmbeddedStores(path.join(dir, 'data'));
});

afterEach(async () => {
  await stores.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function write(relative: string, content: string | Buffer): Promise<string> {
  const file = path.join(docs, relative);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  return file;
}

/** A runbook long enough to need several chunks, every one of them naming `service`. */
function runbook(service: string, marker: string, sections: number): string {
  const parts = [`# ${service} runbook`, `Owned by the ${service} team.`];
  for (let i = 1; i <= sections; i++) {
    parts.push(`## Step ${i}`);
    const sentences = Array.from(
      { length: 12 },
      (_, n) => `To recover ${service} at step ${i}, check the ${marker} dashboard and confirm replica ${n} is healthy.`,
    );
    parts.push(sentences.join(' '));
  }
  return parts.join('\n\n');
}

async function writeDocsFolder(): Promise<void> {
  for (const [index, service] of SERVICES.entries()) {
    const folder = index % 2 === 0 ? 'runbooks' : 'runbooks/legacy';
    await write(`${folder}/${service}.md`, runbook(service, `${service}-metrics`, 2));
  }
  await write('faq.txt', 'Where do rollbacks live?\n\nThe zephyr pipeline performs every rollback.');
  await write('guide.rst', 'Guide\n=====\n\nThe quasar cache warms at startup.');
  await write('notes.json', '{"nebula": "json files are not ingested"}');
  await write('.obsidian/hidden.md', 'nebula in a hidden folder');
  await write('node_modules/pkg/README.md', 'nebula in a dependency');
}

async function passagesOf(workspaceId: string, query: string, sourceId: string) {
  return (await stores.knowledge.search(workspaceId, query, 500)).filter((p) => p.source.id === sourceId);
}

describe('ingestPath', () => {
  it('ingests every document in a folder, and search finds a passage with its source path', async () => {
    await writeDocsFolder();
    const progress: [number, number, string][] = [];

    const result = await ingestPath(stores.knowledge, docs, {
      workspaceId: WORKSPACE,
      onProgress: (done, total, file) => progress.push([done, total, file]),
    });

    expect(result.files).toBe(SERVICES.length + 2);
    expect(result.skipped).toEqual([]);
    expect(result.chunks).toBeGreaterThan(result.files);
    expect(progress.map(([, , file]) => file)).toEqual([
      'faq.txt',
      'guide.rst',
      'runbooks/billing.md',
      'runbooks/gateway.md',
      'runbooks/legacy/ledger.md',
      'runbooks/legacy/scheduler.md',
      'runbooks/legacy/search.md',
      'runbooks/mailer.md',
    ]);
    expect(progress.at(-1)?.slice(0, 2)).toEqual([8, 8]);

    const [top] = await stores.knowledge.search(WORKSPACE, 'ledger-metrics dashboard', 3);
    expect(top?.source).toEqual({ id: 'runbooks/legacy/ledger.md', title: 'ledger runbook' });
    expect(top?.text).toMatch(/^ledger runbook > Step \d\n/);

    const [zephyr] = await stores.knowledge.search(WORKSPACE, 'which pipeline does the rollback?', 3);
    expect(zephyr?.source.id).toBe('faq.txt');
    expect(zephyr?.text).toContain('The zephyr pipeline performs every rollback.');

    // Hidden folders, node_modules and other extensions stay out.
    expect(await stores.knowledge.search(WORKSPACE, 'nebula', 10)).toEqual([]);
  });

  it('replaces a changed file’s chunks on re-ingest instead of adding to them', async () => {
    await writeDocsFolder();
    const before = runbook('billing', 'quokka', 4);
    await write('runbooks/billing.md', before);
    const first = await ingestPath(stores.knowledge, docs, { workspaceId: WORKSPACE });
    expect((await passagesOf(WORKSPACE, 'billing', 'runbooks/billing.md')).length).toBe(chunkDocument(before).length);

    const after = runbook('billing', 'narwhal', 2);
    await write('runbooks/billing.md', after);
    const second = await ingestPath(stores.knowledge, docs, { workspaceId: WORKSPACE });

    expect(await stores.knowledge.search(WORKSPACE, 'quokka', 10)).toEqual([]);
    const narwhal = await passagesOf(WORKSPACE, 'narwhal', 'runbooks/billing.md');
    expect(narwhal.length).toBeGreaterThan(0);
    const billing = await passagesOf(WORKSPACE, 'billing', 'runbooks/billing.md');
    expect(billing.length).toBe(chunkDocument(after).length);
    expect(billing.map((p) => p.chunk).sort((a, b) => a - b)).toEqual([...chunkDocument(after).keys()]);
    expect(second.chunks).toBe(first.chunks - chunkDocument(before).length + chunkDocument(after).length);
  });

  it('skips binary and non-UTF-8 files with a reason, and ingests the rest', async () => {
    await write('a-good.md', '# Good\n\nThe pelican service is healthy.');
    await write('logo.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    await write('latin1.txt', Buffer.from('caf\xe9 cr\xe8me pelican', 'latin1'));
    await write('z-good.txt', 'The pelican backup runs nightly.');

    const result = await ingestPath(stores.knowledge, docs, { workspaceId: WORKSPACE });

    expect(result.files).toBe(2);
    expect(result.skipped).toEqual([
      expect.stringMatching(/^latin1\.txt: not UTF-8 text/),
      expect.stringMatching(/^logo\.md: binary file/),
    ]);
    const sources = (await stores.knowledge.search(WORKSPACE, 'pelican', 10)).map((p) => p.source.id).sort();
    expect(sources).toEqual(['a-good.md', 'z-good.txt']);
  });

  it.skipIf(process.getuid?.() === 0)('skips a file it cannot read without stopping the run', async () => {
    const locked = await write('locked.md', 'secret pelican');
    await fs.chmod(locked, 0o000);
    await write('open.md', 'public pelican');

    const result = await ingestPath(stores.knowledge, docs, { workspaceId: WORKSPACE });

    expect(result.files).toBe(1);
    expect(result.skipped).toEqual([expect.stringMatching(/^locked\.md: not readable \(EACCES\)/)]);
  });

  it('ingests a single file under its file name', async () => {
    const file = await write('deep/folder/onboarding.md', '# Onboarding\n\nNew hires get a heron badge.');

    const result = await ingestPath(stores.knowledge, file, { workspaceId: WORKSPACE });

    expect(result).toEqual({ files: 1, chunks: 1, skipped: [] });
    const [passage] = await stores.knowledge.search(WORKSPACE, 'heron badge', 1);
    expect(passage?.source).toEqual({ id: 'onboarding.md', title: 'Onboarding' });
  });

  it('says what to pass when the path does not exist', async () => {
    const missing = path.join(dir, 'no-such-docs');
    await expect(ingestPath(stores.knowledge, missing, { workspaceId: WORKSPACE })).rejects.toThrow(
      `${missing} does not exist: pass a Markdown or text file, or a folder of them (.md, .markdown, .mdx, .txt, .rst).`,
    );
  });

  it('keeps knowledge inside the workspace it was ingested into', async () => {
    await writeDocsFolder();
    await ingestPath(stores.knowledge, docs, { workspaceId: 'T-A' });

    expect((await stores.knowledge.search('T-A', 'zephyr rollback', 5)).length).toBeGreaterThan(0);
    expect(await stores.knowledge.search('T-B', 'zephyr rollback', 5)).toEqual([]);
    expect(await stores.knowledge.search('T-B', 'billing runbook', 5)).toEqual([]);
  });
});
