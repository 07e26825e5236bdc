import type { ChatMessage } from '../../model.js';
import type { TurnInbox } from '../ports.js';
import type { SqliteDatabase } from './database.js';
import { messageFromJson, messageToJson } from '../message-json.js';

export class SqliteTurnInbox implements TurnInbox {
  private readonly insert;
  private readonly select;
  private readonly remove;
  private readonly threads;

  constructor(db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS inbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        thread_key TEXT NOT NULL,
        message_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        UNIQUE (thread_key, message_id)
      )`);
    this.insert = db.prepare(
      'INSERT INTO inbox (thread_key, message_id, payload) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.select = db.prepare<[string, number], { payload: string }>(
      'SELECT payload FROM inbox WHERE thread_key = ? ORDER BY seq LIMIT ?',
    );
    const remove = db.prepare('DELETE FROM inbox WHERE thread_key = ? AND message_id = ?');
    this.remove = db.transaction((threadKey: string, ids: string[]) => ids.forEach((id) => remove.run(threadKey, id)));
    this.threads = db.prepare<[], { thread_key: string }>('SELECT DISTINCT thread_key FROM inbox');
  }

  async push(threadKey: string, message: ChatMessage): Promise<void> {
    this.insert.run(threadKey, message.id, messageToJson(message));
  }

  async peek(threadKey: string, limit: number): Promise<ChatMessage[]> {
    return this.select.all(threadKey, limit).map((row) => messageFromJson(row.payload));
  }

  async ack(threadKey: string, messageIds: string[]): Promise<void> {
    this.remove(threadKey, messageIds);
  }

  async pendingThreads(): Promise<string[]> {
    return this.threads.all().map((row) => row.thread_key);
  }
}
