import type { KnowledgeSource, KnowledgeStore, Passage } from '../ports.js';
import { matchQuery } from '../../knowledge/query-terms.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  source_id: string;
  title: string;
  url: string | null;
  chunk: number;
  text: string;
  rank: number;
}

/** Workspace knowledge in SQLite FTS5, ranked by BM25 (a title match counts half a body match). */
export class SqliteKnowledgeStore implements KnowledgeStore {
  private readonly replace;
  private readonly remove;
  private readonly query;

  constructor(db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS knowledge_chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workspace_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        chunk INTEGER NOT NULL,
        text TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS knowledge_chunks_source ON knowledge_chunks (workspace_id, source_id);
      CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_fts USING fts5(
        title, text, content='knowledge_chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER IF NOT EXISTS knowledge_chunks_ai AFTER INSERT ON knowledge_chunks BEGIN
        INSERT INTO knowledge_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
      END;
      CREATE TRIGGER IF NOT EXISTS knowledge_chunks_ad AFTER DELETE ON knowledge_chunks BEGIN
        INSERT INTO knowledge_fts (knowledge_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
      END;
    `);
    const insert = db.prepare(
      'INSERT INTO knowledge_chunks (workspace_id, source_id, title, url, chunk, text) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const deleteSource = db.prepare('DELETE FROM knowledge_chunks WHERE workspace_id = ? AND source_id = ?');
    this.remove = (workspaceId: string, sourceId: string) => deleteSource.run(workspaceId, sourceId).changes > 0;
    this.replace = db.transaction((workspaceId: string, source: KnowledgeSource, chunks: string[]) => {
      deleteSource.run(workspaceId, source.id);
      chunks.forEach((text, index) => insert.run(workspaceId, source.id, source.title, source.url ?? null, index, text));
    });
    // The workspace filter sits on the joined table, so a query never sees another workspace's rows.
    this.query = db.prepare<[string, string, number], Row>(`
      SELECT c.source_id, c.title, c.url, c.chunk, c.text, bm25(knowledge_fts, 0.5, 1.0) AS rank
      FROM knowledge_fts JOIN knowledge_chunks c ON c.id = knowledge_fts.rowid
      WHERE knowledge_fts MATCH ? AND c.workspace_id = ?
      ORDER BY rank LIMIT ?`);
  }

  async replaceSource(workspaceId: string, source: KnowledgeSource, chunks: string[]): Promise<void> {
    this.replace(workspaceId, source, chunks);
  }

  async deleteSource(workspaceId: string, sourceId: string): Promise<boolean> {
    return this.remove(workspaceId, sourceId);
  }

  async search(workspaceId: string, query: string, limit: number): Promise<Passage[]> {
    const match = matchQuery(query);
    if (!match) return [];
    return this.query.all(match, workspaceId, limit).map((row) => ({
      source: { id: row.source_id, title: row.title, ...(row.url ? { url: row.url } : {}) },
      chunk: row.chunk,
      text: row.text,
      score: -row.rank,
    }));
  }
}
