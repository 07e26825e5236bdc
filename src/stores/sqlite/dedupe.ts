import type { MessageDedupe } from '../ports.js';
import type { SqliteDatabase } from './database.js';

const PURGE_EVERY = 1_000;

export class SqliteMessageDedupe implements MessageDedupe {
  private readonly claimStatement;
  private readonly purge;
  private claims = 0;

  constructor(db: SqliteDatabase) {
    db.exec('CREATE TABLE IF NOT EXISTS dedupe (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID');
    // One statement, so the claim is atomic across processes sharing the file.
    this.claimStatement = db.prepare(`
      INSERT INTO dedupe (key, expires_at) VALUES (@key, @expiresAt)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE dedupe.expires_at <= @now`);
    this.purge = db.prepare('DELETE FROM dedupe WHERE expires_at <= ?');
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    if (++this.claims % PURGE_EVERY === 0) this.purge.run(now);
    return this.claimStatement.run({ key, expiresAt: now + ttlMs, now }).changes === 1;
  }
}
