import { randomUUID } from 'node:crypto';
import type { Lease, ThreadLocks } from '../ports.js';
import type { SqliteDatabase } from './database.js';
import { hasDied, processIdentity, type ProcessIdentity } from './process-identity.js';

/** Who holds each lock; nullable, as files from before they were kept have rows without them. */
const HOLDER_COLUMNS = { holder_space: 'TEXT', holder_pid: 'INTEGER', holder_start: 'TEXT' };

interface HeldRow {
  owner: string;
  holder_space: string | null;
  holder_pid: number | null;
  holder_start: string | null;
}

/**
 * A lock per thread: a row holding its owner's random token and expiry, plus the holding process,
 * since the file serves one machine: a lock whose process died there (killed mid-turn) is taken
 * over at once, rather than after its TTL. A holder this process cannot check keeps the TTL.
 */
export class SqliteThreadLocks implements ThreadLocks {
  private readonly take;
  private readonly held;
  private readonly takeOver;
  private readonly extend;
  private readonly drop;
  private readonly holder;

  /** `holder` is the process the locks are taken for: this one, except in tests. */
  constructor(db: SqliteDatabase, holder: ProcessIdentity | undefined = processIdentity(process.pid)) {
    createTable(db);
    this.holder = { holderSpace: holder?.pidSpace ?? null, holderPid: holder?.pid ?? null, holderStart: holder?.startTicks ?? null };
    this.take = db.prepare(`
      INSERT INTO locks (key, owner, expires_at, holder_space, holder_pid, holder_start)
      VALUES (@key, @owner, @expiresAt, @holderSpace, @holderPid, @holderStart)
      ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at,
        holder_space = excluded.holder_space, holder_pid = excluded.holder_pid, holder_start = excluded.holder_start
      WHERE locks.expires_at <= @now`);
    this.held = db.prepare<[string], HeldRow>('SELECT owner, holder_space, holder_pid, holder_start FROM locks WHERE key = ?');
    // Compare-and-set on the dead holder's token: of two processes that both saw it dead, one wins.
    this.takeOver = db.prepare(`
      UPDATE locks SET owner = @owner, expires_at = @expiresAt, holder_space = @holderSpace, holder_pid = @holderPid, holder_start = @holderStart
      WHERE key = @key AND owner = @deadOwner`);
    this.extend = db.prepare(
      'UPDATE locks SET expires_at = @expiresAt WHERE key = @key AND owner = @owner AND expires_at > @now',
    );
    this.drop = db.prepare('DELETE FROM locks WHERE key = ? AND owner = ?');
  }

  async acquire(key: string, ttlMs: number): Promise<Lease | undefined> {
    const owner = randomUUID();
    const now = Date.now();
    const row = { key, owner, expiresAt: now + ttlMs, ...this.holder };
    if (this.take.run({ ...row, now }).changes === 1) return this.lease(key, owner);
    const held = this.held.get(key);
    if (held && holderHasDied(held) && this.takeOver.run({ ...row, deadOwner: held.owner }).changes === 1) return this.lease(key, owner);
    return undefined;
  }

  private lease(key: string, owner: string): Lease {
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

function holderHasDied(row: HeldRow): boolean {
  const { holder_space: pidSpace, holder_pid: pid, holder_start: startTicks } = row;
  return pidSpace !== null && pid !== null && startTicks !== null && hasDied({ pidSpace, pid, startTicks });
}

/** Creates the table, or adds the holder columns to one from an older file. */
function createTable(db: SqliteDatabase): void {
  // Immediate, so two processes opening one old file do not both add the columns.
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID');
    const present = new Set((db.pragma('table_info(locks)') as Array<{ name: string }>).map((column) => column.name));
    for (const [name, type] of Object.entries(HOLDER_COLUMNS)) {
      if (!present.has(name)) db.exec(`ALTER TABLE locks ADD COLUMN ${name} ${type}`);
    }
  }).immediate();
}
