// Conformance suite for KnowledgeStore: every implementation calls describeKnowledgeStore with its own factory.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KnowledgeSource, KnowledgeStore, Passage } from '../../src/stores/ports.js';

export interface KnowledgeSuiteOptions {
  /**
   * A vector index answers with the nearest passages even when none shares a word with the query
   * (Pinecone). Then "only matching passages come back" cannot hold; those tests check instead
   * that the matching passages come first and that removed passages never come back.
   */
  nearestNeighbours?: boolean;
}

export function describeKnowledgeStore(
  name: string,
  create: () => Promise<{ store: KnowledgeStore; cleanup(): Promise<void> }>,
  options: KnowledgeSuiteOptions = {},
): void {
  const nearest = options.nearestNeighbours === true;
  /** The passages a lexical store returns: all of them; a vector index: those sharing a word. */
  const matching = (passages: Passage[], word: string) =>
    nearest ? passages.filter((passage) => passage.text.toLowerCase().includes(word)) : passages;

  describe(`KnowledgeStore: ${name}`, () => {
    let store: KnowledgeStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await create());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('finds a passage by the words in it', async () => {
      await store.replaceSource('W1', RUNBOOK, [
        'Restart the billing worker with systemctl restart billing.',
        'Invoices are emailed on the first day of each month.',
      ]);

      const passages = await store.search('W1', 'how do I restart the billing worker?', 5);

      expect(passages[0]?.text).toBe('Restart the billing worker with systemctl restart billing.');
    });

    it('ranks a passage matching more of the query above one matching less', async () => {
      const oneTerm = { id: 'one-term', title: 'Notes A' };
      const threeTerms = { id: 'three-terms', title: 'Notes B' };
      await store.replaceSource('W1', oneTerm, ['kubernetes networking overview for new staff']);
      await store.replaceSource('W1', threeTerms, ['kubernetes deployment rollback for new staff']);

      const passages = await store.search('W1', 'kubernetes deployment rollback', 5);

      expect(passages.map((passage) => passage.source.id)).toEqual(['three-terms', 'one-term']);
      expect(passages[0]!.score).toBeGreaterThan(passages[1]!.score);
    });

    it('returns at most `limit` passages', async () => {
      await store.replaceSource(
        'W1',
        RUNBOOK,
        Array.from({ length: 8 }, (_, n) => `deploy step ${n}: check the dashboard`),
      );

      expect(await store.search('W1', 'deploy dashboard', 3)).toHaveLength(3);
    });

    it('returns the source title, url and chunk index with each passage', async () => {
      await store.replaceSource('W1', RUNBOOK, ['First chunk about onboarding.', 'Second chunk about vacations.']);
      await store.replaceSource('W1', { id: 'notes.md', title: 'Loose notes' }, ['Vacation requests go to HR.']);

      const all = await store.search('W1', 'vacations', 5);
      const passages = matching(all, 'vacation');

      expect(passages).toHaveLength(2);
      expect(all.slice(0, 2)).toEqual(passages);
      expect(passages).toContainEqual(
        expect.objectContaining({ source: RUNBOOK, chunk: 1, text: 'Second chunk about vacations.' }),
      );
      const withoutUrl = passages.find((passage) => passage.source.id === 'notes.md');
      expect(withoutUrl).toMatchObject({ source: { id: 'notes.md', title: 'Loose notes' }, chunk: 0 });
      expect(withoutUrl?.source.url).toBeUndefined();
    });

    it('replaceSource drops every old chunk of the source', async () => {
      await store.replaceSource('W1', RUNBOOK, ['pelican migration', 'pelican feeding', 'pelican nesting']);

      await store.replaceSource('W1', { ...RUNBOOK, title: 'Runbook v2' }, ['flamingo migration']);

      expect(matching(await store.search('W1', 'pelican', 10), 'pelican')).toEqual([]);
      const passages = await store.search('W1', 'migration', 10);
      expect(passages.map(summary)).toEqual([{ source: 'runbook.md', title: 'Runbook v2', chunk: 0 }]);
    });

    it('replaceSource leaves other sources alone', async () => {
      await store.replaceSource('W1', RUNBOOK, ['pelican migration']);
      await store.replaceSource('W1', { id: 'other.md', title: 'Other' }, ['pelican diet']);

      await store.replaceSource('W1', RUNBOOK, ['flamingo migration']);

      const passages = await store.search('W1', 'pelican', 10);
      expect(matching(passages, 'pelican').map(summary)).toEqual([{ source: 'other.md', title: 'Other', chunk: 0 }]);
      expect(passages[0]?.source.id).toBe('other.md');
    });

    it('deleteSource removes the source and says so once', async () => {
      await store.replaceSource('W1', RUNBOOK, ['pelican migration']);

      expect(await store.deleteSource('W1', 'runbook.md')).toBe(true);
      expect(await store.deleteSource('W1', 'runbook.md')).toBe(false);
      expect(await store.search('W1', 'pelican', 10)).toEqual([]);
    });

    it('deleteSource in one workspace leaves the same source id in another', async () => {
      await store.replaceSource('W1', RUNBOOK, ['pelican migration']);
      await store.replaceSource('W2', RUNBOOK, ['pelican migration']);

      expect(await store.deleteSource('W2', 'runbook.md')).toBe(true);

      expect(await store.search('W1', 'pelican', 10)).toHaveLength(1);
      expect(await store.deleteSource('W9', 'runbook.md')).toBe(false);
    });

    it('searches only the queried workspace', async () => {
      for (const workspace of ['W1', 'W2', 'W3']) {
        const source = { id: `${workspace}/doc`, title: 'Doc' };
        await store.replaceSource(workspace, source, [`pelican notes of ${workspace}`]);
      }

      for (const workspace of ['W1', 'W2', 'W3']) {
        const passages = await store.search(workspace, 'pelican notes', 10);
        expect(passages.map((passage) => passage.source.id)).toEqual([`${workspace}/doc`]);
      }
    });

    it('never returns a passage from another workspace, whatever the words (property)', async () => {
      const word = fc.stringMatching(/^[a-z]{4,9}$/);
      const document = fc.array(word, { minLength: 1, maxLength: 12 }).map((words) => words.join(' '));
      const docs = fc.array(document, { maxLength: 4 });
      const workspaces = fc.tuple(docs, docs, docs);
      const extraWords = fc.array(word, { minLength: 1, maxLength: 3 });
      let run = 0;
      let found = 0;

      await fc.assert(
        fc.asyncProperty(workspaces, extraWords, async (perWorkspace, queryWords) => {
          // Fresh workspace ids each run, so runs share the store without seeing each other.
          run += 1;
          const workspaceIds = perWorkspace.map((_, n) => `run${run}-ws${n}`);
          for (const [n, texts] of perWorkspace.entries()) {
            const workspaceId = workspaceIds[n]!;
            for (const [d, text] of texts.entries()) {
              const source = { id: `${workspaceId}/doc${d}`, title: `doc ${d}` };
              await store.replaceSource(workspaceId, source, [text]);
            }
          }
          // Query with words some workspace holds, so results are not trivially empty.
          const heldWords = perWorkspace.flat().join(' ').split(' ').filter(Boolean).slice(0, 3);
          const query = [...queryWords, ...heldWords].join(' ');
          for (const workspaceId of workspaceIds) {
            const passages = await store.search(workspaceId, query, 20);
            found += passages.length;
            for (const passage of passages) expect(passage.source.id).toMatch(new RegExp(`^${workspaceId}/`));
          }
        }),
        { numRuns: 40 },
      );

      expect(found).toBeGreaterThan(0);
    });

    it('treats search syntax in a query as plain words, never throwing', async () => {
      await store.replaceSource('W1', RUNBOOK, ['pelican migration notes']);
      const queries = [
        '"pelican',
        'pelican"',
        '""',
        'pel*',
        '*',
        'NEAR(pelican migration)',
        'pelican NEAR migration',
        '-pelican',
        'pelican -migration',
        '(pelican',
        'pelican)',
        '()',
        'title:pelican',
        'text:pelican:migration',
        ':',
        'pelican AND',
        'OR',
        'NOT pelican',
        '^pelican',
        "pelican's migration",
        '{pelican}',
        '[migration]',
        'pelican + migration',
        'pelican\\',
        '\u0000',
      ];

      for (const query of queries) {
        await expect(store.search('W1', query, 5), `query ${JSON.stringify(query)}`).resolves.toBeInstanceOf(Array);
      }
      expect(await store.search('W1', '"pelican" AND (migration*)', 5)).toHaveLength(1);
    });

    it('never throws on arbitrary query text (property)', async () => {
      await store.replaceSource('W1', RUNBOOK, ['pelican migration notes']);

      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), async (query) => {
          expect(Array.isArray(await store.search('W1', query, 5))).toBe(true);
        }),
        { numRuns: 200 },
      );
    });

    it('returns no passages for an empty or stopword-only query', async () => {
      await store.replaceSource('W1', RUNBOOK, ['the and of what is it how to a']);

      for (const query of ['', '   ', '?!', 'the and of', 'what is it?', 'how to']) {
        expect(await store.search('W1', query, 5), `query ${JSON.stringify(query)}`).toEqual([]);
      }
    });

    it('returns no passages from an empty workspace', async () => {
      expect(await store.search('nobody', 'pelican', 5)).toEqual([]);
    });
  });
}

const RUNBOOK: KnowledgeSource = { id: 'runbook.md', title: 'Ops runbook', url: 'https://wiki.example.com/runbook' };

function summary(passage: Passage) {
  return { source: passage.source.id, title: passage.source.title, chunk: passage.chunk };
}
