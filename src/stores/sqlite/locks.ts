import { randomUUID } from 'node:crypto';
import type { Lease, ThreadLocks } from '../ports.js';
import type { SqliteDatabase } from './database.js';

export class SqliteThreadLocks implements ThreadLocks {
  private readonly take;
  private readonly extend;
  private readonly drop;

  constructor(db: SqliteDatabase) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID',
    );
    this.take = db.prepare(`
      INSERT INTO locks (key, owner, expires_at) VALUES (@key, @owner, @expiresAt)
      ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
      WHERE locks.expires_at <= @now`);
    this.extend = db.prepare(
      'UPDATE locks SET expires_at = @expiresAt WHERE key = @key AND owner = @owner AND expires_at > @now',
    );
    this.drop = db.prepare('DELETE FROM locks WHERE key = ? AND owner = ?');
  }

  async acquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    const owner = randomUUID();
    const now = Date.now();
    if (this.take.run({ key, owner, expiresAt: now + ttlMs, now }).changes !== 1) return undefined;
    return {
      renew: async (renewTtlMs) => {
        const at = Date.now();
        return this.extend.run({ key, owner, expiresAt: at + renewTtlMs, now: at }).changes === 1;
      },
      release: async () => {
        this.drop.run(key, owner);
      },
    };
  }
}
