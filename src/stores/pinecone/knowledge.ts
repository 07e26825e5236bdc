// Workspace knowledge in Pinecone, on an index with integrated embedding (the records API), so
// Pinecone embeds passages and queries itself and no second model key is needed.
//
// One namespace per workspace: a search names exactly one namespace and cannot see another's
// records. A record id is `<source id>#<chunk>` (source id URI-encoded, so `#` cannot occur in
// it): listing ids by the prefix `<source id>#` finds a source's chunks on any index type.
import type { Index } from '@pinecone-database/pinecone';
import { queryTerms } from '../../knowledge/query-terms.js';
import type { KnowledgeSource, KnowledgeStore, Passage } from '../ports.js';

/** Pinecone's limit for one records upsert on an integrated index. */
const UPSERT_BATCH = 96;
const DELETE_BATCH = 1_000;
const FIELDS = ['text', 'source_id', 'title', 'url', 'chunk'];

interface PassageFields {
  text?: string;
  source_id?: string;
  title?: string;
  url?: string;
  chunk?: number;
}

export class PineconeKnowledgeStore implements KnowledgeStore {
  constructor(private readonly index: Index) {}

  async replaceSource(workspaceId: string, source: KnowledgeSource, chunks: string[]): Promise<void> {
    const space = this.index.namespace(namespaceFor(workspaceId));
    const prefix = idPrefix(source.id);
    const before = await listIds(space, prefix);
    const records = chunks.map((text, chunk) => ({
      _id: `${prefix}${chunk}`,
      text,
      source_id: source.id,
      title: source.title,
      // Pinecone metadata has no null: a source without a URL has no url field.
      ...(source.url === undefined ? {} : { url: source.url }),
      chunk,
    }));
    // New chunks first, then the old ones past the new count: a search never finds the source empty.
    for (let start = 0; start < records.length; start += UPSERT_BATCH) {
      await space.upsertRecords({ records: records.slice(start, start + UPSERT_BATCH) });
    }
    const kept = new Set(records.map((record) => record._id));
    await deleteIds(space, before.filter((id) => !kept.has(id)));
  }

  async deleteSource(workspaceId: string, sourceId: string): Promise<boolean> {
    const space = this.index.namespace(namespaceFor(workspaceId));
    const ids = await listIds(space, idPrefix(sourceId));
    await deleteIds(space, ids);
    return ids.length > 0;
  }

  async search(workspaceId: string, query: string, limit: number): Promise<Passage[]> {
    // A query of stopwords alone means nothing; a vector index would still return its nearest.
    if (queryTerms(query).length === 0 || limit <= 0) return [];
    const response = await this.index.namespace(namespaceFor(workspaceId)).searchRecords({
      query: { topK: limit, inputs: { text: query } },
      fields: FIELDS,
    });
    return response.result.hits.map((hit) => {
      const fields = hit.fields as PassageFields;
      return {
        source: {
          id: fields.source_id ?? hit._id,
          title: fields.title ?? fields.source_id ?? hit._id,
          ...(fields.url === undefined ? {} : { url: fields.url }),
        },
        chunk: fields.chunk ?? 0,
        text: fields.text ?? '',
        score: hit._score,
      };
    });
  }
}

/** The workspace id as a namespace name: kept when plain, otherwise hex so any id is a valid name. */
export function namespaceFor(workspaceId: string): string {
  return /^[A-Za-z0-9_-]{1,200}$/.test(workspaceId) ? workspaceId : `x-${Buffer.from(workspaceId).toString('hex')}`;
}

function idPrefix(sourceId: string): string {
  return `${encodeURIComponent(sourceId)}#`;
}

async function listIds(space: Index, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  let paginationToken: string | undefined;
  do {
    const page = await space.listPaginated({ prefix, ...(paginationToken ? { paginationToken } : {}) });
    for (const item of page.vectors ?? []) if (item.id) ids.push(item.id);
    paginationToken = page.pagination?.next;
  } while (paginationToken);
  return ids;
}

async function deleteIds(space: Index, ids: string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += DELETE_BATCH) {
    await space.deleteMany({ ids: ids.slice(start, start + DELETE_BATCH) });
  }
}

