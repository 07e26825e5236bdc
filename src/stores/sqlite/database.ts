import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

export const DATABASE_FILE = 'crosstalk.db';

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

const openHandles = new Map<string, SqliteDatabase>();

/**
 * The handle this process already has open on `dataDir`'s file, if any: the jobs and digest
 * bookkeeping live in the same file and use it rather than opening a second connection.
 */
export function openedDatabase(dataDir: string): SqliteDatabase | undefined {
  const db = openHandles.get(path.join(dataDir, DATABASE_FILE));
  return db?.open ? db : undefined;
}

/** Opens (creating if needed) the one SQLite file that holds every embedded store. */
export function openDatabase(dataDir: string): SqliteDatabase {
  const file = path.join(dataDir, DATABASE_FILE);
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (error) {
    throw new StoreUnavailableError(
      `DATA_DIR ${dataDir} is not a writable folder (${errorCode(error)}): fix its permissions or set DATA_DIR to a folder this user can write.`,
    );
  }
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    // The first open handle stays the shared one: a later, shorter-lived one (installation
    // records) must not leave `openedDatabase` empty when it closes.
    if (!openHandles.get(file)?.open) openHandles.set(file, db);
    return db;
  } catch (error) {
    db?.close();
    throw new StoreUnavailableError(
      `${file} could not be opened as an SQLite database (${(error as Error).message}): move it aside to start fresh, or restore it from a backup.`,
    );
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}
