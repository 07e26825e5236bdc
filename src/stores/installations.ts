// Where a platform's app installations live (one per workspace or enterprise): a small port,
// so adapters keep their own installation shape and the store only sees an opaque record.

export interface InstallationRecords {
  /** Stores `record` under `key`, replacing any earlier one. */
  save(key: string, record: string): Promise<void>;
  find(key: string): Promise<string | undefined>;
  /** Returns false when there was nothing under `key`. */
  delete(key: string): Promise<boolean>;
}
