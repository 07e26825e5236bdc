import type { InstallationRecords } from '../installations.js';
import { TokenCipher } from '../token-cipher.js';
import { openDatabase, type SqliteDatabase } from './database.js';

/** Installation records in the embedded SQLite file, encrypted at rest. */
export class SqliteInstallationRecords implements InstallationRecords {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly cipher: TokenCipher,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS installations (
      key TEXT PRIMARY KEY,
      sealed TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`);
  }

  async save(key: string, record: string): Promise<void> {
    this.db
      .prepare('INSERT INTO installations (key, sealed, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at')
      .run(key, this.cipher.seal(record, key), Date.now());
  }

  async find(key: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT sealed FROM installations WHERE key = ?').get(key) as { sealed: string } | undefined;
    return row && this.cipher.open(row.sealed, key);
  }

  async delete(key: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM installations WHERE key = ?').run(key).changes > 0;
  }
}

/** Installation records in their own connection to the embedded file (whatever other stores use). */
export function openInstallationRecords(dataDir: string, key: Buffer): { records: InstallationRecords; close(): void } {
  const db = openDatabase(dataDir);
  return { records: new SqliteInstallationRecords(db, new TokenCipher(key)), close: () => db.close() };
}
