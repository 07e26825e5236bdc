// A local Pinecone: the REST paths @pinecone-database/pinecone 8.2 calls for an index with
// integrated embedding. Control plane: describe index. Data plane: upsert and search records,
// list ids by prefix, delete by ids or metadata filter, describe index stats.
//
// Integrated embedding is stood in for by term overlap (a cosine over word sets), deterministic
// and good enough to rank. Like a real vector index, search returns the top_k nearest records
// of the namespace even when none shares a word with the query.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Fields = Record<string, unknown>;
interface StoredRecord {
  id: string;
  fields: Fields;
}

export interface FakePinecone {
  /** Base URL for both planes: pass as `controllerHostUrl`, and it is also the index `host`. */
  url: string;
  indexName: string;
  /** Requests seen, as `METHOD path`, for tests that check what the SDK called. */
  requests: string[];
  /** Records per namespace, for tests that look from the outside. */
  namespaces: Map<string, Map<string, StoredRecord>>;
  close(): Promise<void>;
}

const STOPWORDS = new Set('a an and are as at be by for from how i in is it of on or the to what with'.split(' '));
const TEXT_FIELD = 'text';

export async function startFakePinecone(options: { indexName?: string; apiKey?: string } = {}): Promise<FakePinecone> {
  const indexName = options.indexName ?? 'crosstalk-knowledge';
  const namespaces = new Map<string, Map<string, StoredRecord>>();
  const requests: string[] = [];
  let url = '';

  const namespace = (name: string) => {
    let records = namespaces.get(name);
    if (!records) namespaces.set(name, (records = new Map()));
    return records;
  };

  const routes: Array<[string, RegExp, (match: RegExpExecArray, body: string, query: URLSearchParams) => [number, unknown]]> = [
    ['GET', /^\/indexes\/([^/]+)$/, (match) => {
      if (decodeURIComponent(match[1]!) !== indexName) return [404, apiError('NOT_FOUND', `Resource ${match[1]} not found`)];
      return [200, indexModel(indexName, url)];
    }],
    ['POST', /^\/records\/namespaces\/([^/]+)\/upsert$/, (match, body) => {
      const records = namespace(decodeURIComponent(match[1]!));
      for (const line of body.split('\n').filter((text) => text.trim() !== '')) {
        const { _id, id, ...fields } = JSON.parse(line) as Fields & { _id?: string; id?: string };
        const recordId = _id ?? id;
        if (!recordId || typeof fields[TEXT_FIELD] !== 'string') {
          return [400, apiError('INVALID_ARGUMENT', `Every record needs an _id and a "${TEXT_FIELD}" field`)];
        }
        records.set(recordId, { id: recordId, fields });
      }
      return [201, undefined];
    }],
    ['POST', /^\/records\/namespaces\/([^/]+)\/search$/, (match, body) => {
      const request = JSON.parse(body) as { query: { top_k: number; inputs?: { text?: string }; filter?: Fields }; fields?: string[] };
      const text = request.query.inputs?.text;
      if (typeof text !== 'string') return [400, apiError('INVALID_ARGUMENT', 'query.inputs.text is required for an integrated index')];
      const queryWords = words(text);
      const hits = [...(namespaces.get(decodeURIComponent(match[1]!))?.values() ?? [])]
        .filter((record) => matchesFilter(record.fields, request.query.filter))
        .map((record) => ({ record, score: similarity(queryWords, words(String(record.fields[TEXT_FIELD]))) }))
        .sort((a, b) => b.score - a.score || a.record.id.localeCompare(b.record.id))
        .slice(0, request.query.top_k)
        .map(({ record, score }) => ({ _id: record.id, _score: score, fields: pick(record.fields, request.fields) }));
      return [200, { result: { hits }, usage: { read_units: 1, embed_total_tokens: queryWords.size } }];
    }],
    ['GET', /^\/vectors\/list$/, (_match, _body, query) => {
      const prefix = query.get('prefix') ?? '';
      const limit = Number(query.get('limit') ?? 100);
      const after = query.get('paginationToken') ?? '';
      const ids = [...(namespaces.get(query.get('namespace') ?? '')?.keys() ?? [])]
        .filter((id) => id.startsWith(prefix) && id > after)
        .sort();
      const page = ids.slice(0, limit);
      const next = ids.length > limit ? page.at(-1) : undefined;
      return [200, { vectors: page.map((id) => ({ id })), ...(next ? { pagination: { next } } : {}), namespace: query.get('namespace') ?? '', usage: { read_units: 1 } }];
    }],
    ['POST', /^\/vectors\/delete$/, (_match, body) => {
      const request = JSON.parse(body) as { ids?: string[]; deleteAll?: boolean; namespace?: string; filter?: Fields };
      const records = namespaces.get(request.namespace ?? '');
      if (!records) return [200, {}];
      if (request.deleteAll) records.clear();
      for (const id of request.ids ?? []) records.delete(id);
      if (request.filter) for (const [id, record] of records) if (matchesFilter(record.fields, request.filter)) records.delete(id);
      return [200, {}];
    }],
    ['POST', /^\/describe_index_stats$/, () => {
      const summary = Object.fromEntries([...namespaces].map(([name, records]) => [name, { vectorCount: records.size }]));
      const total = [...namespaces.values()].reduce((sum, records) => sum + records.size, 0);
      return [200, { namespaces: summary, dimension: 1024, indexFullness: 0, totalVectorCount: total }];
    }],
  ];

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = new URL(request.url ?? '/', 'http://fake');
      requests.push(`${request.method} ${target.pathname}`);
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(body === undefined ? '' : JSON.stringify(body));
      };
      const key = request.headers['api-key'];
      if (!key || (options.apiKey !== undefined && key !== options.apiKey)) {
        return send(401, apiError('UNAUTHENTICATED', 'Invalid API Key'));
      }
      for (const [method, pattern, handle] of routes) {
        const match = pattern.exec(target.pathname);
        if (match && method === request.method) {
          try {
            return send(...handle(match, Buffer.concat(chunks).toString('utf8'), target.searchParams));
          } catch (error) {
            return send(400, apiError('INVALID_ARGUMENT', (error as Error).message));
          }
        }
      }
      send(404, apiError('NOT_FOUND', `No route for ${request.method} ${target.pathname}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    indexName,
    requests,
    namespaces,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function indexModel(name: string, host: string) {
  return {
    name,
    dimension: 1024,
    metric: 'cosine',
    host,
    deletion_protection: 'disabled',
    embed: { model: 'llama-text-embed-v2', metric: 'cosine', dimension: 1024, vector_type: 'dense', field_map: { text: TEXT_FIELD } },
    spec: { serverless: { cloud: 'aws', region: 'us-east-1' } },
    status: { ready: true, state: 'Ready' },
    vector_type: 'dense',
  };
}

function apiError(code: string, message: string) {
  return { error: { code, message }, status: code === 'NOT_FOUND' ? 404 : 400 };
}

/** Lower-cased words without stopwords, with a plural `s` dropped so "vacations" meets "vacation". */
function words(text: string): Set<string> {
  const found = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  return new Set(found.filter((word) => !STOPWORDS.has(word)).map((word) => (word.length > 3 ? word.replace(/s$/, '') : word)));
}

function similarity(query: Set<string>, document: Set<string>): number {
  if (query.size === 0 || document.size === 0) return 0;
  let shared = 0;
  for (const word of query) if (document.has(word)) shared += 1;
  return shared / Math.sqrt(query.size * document.size);
}

/** The metadata filter subset the store uses: `{ field: value }` and `{ field: { $eq | $in } }`. */
function matchesFilter(fields: Fields, filter: Fields | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([field, condition]) => {
    if (condition !== null && typeof condition === 'object') {
      const { $eq, $in } = condition as { $eq?: unknown; $in?: unknown[] };
      if ($eq !== undefined) return fields[field] === $eq;
      if ($in !== undefined) return $in.includes(fields[field]);
      throw new Error(`unsupported filter on ${field}`);
    }
    return fields[field] === condition;
  });
}

function pick(fields: Fields, names: string[] | undefined): Fields {
  if (!names) return fields;
  return Object.fromEntries(names.filter((name) => name in fields).map((name) => [name, fields[name]]));
}
