// Agenda's embedded backend: jobs in the same SQLite file as every other embedded store.
// Scheduling columns (name, next run, lock, disabled, priority) are real columns so the
// find-and-lock query is one indexed statement; everything else rides along as JSON.
// Each check-and-set runs inside an IMMEDIATE transaction, so two processes on one file (or
// two connections in one process) never lock the same job.
import { randomUUID } from 'node:crypto';
import {
  computeJobState,
  datefields,
  InMemoryNotificationChannel,
  toJobId,
  type AgendaBackend,
  type JobParameters,
  type JobRepository,
  type JobRepositoryOptions,
  type JobsOverview,
  type JobsQueryOptions,
  type JobsResult,
  type JobWithState,
  type RemoveJobsOptions,
} from 'agenda';
import type { SqliteDatabase } from '../src/stores/sqlite/database.js';

interface Row {
  id: string;
  name: string;
  type: 'normal' | 'single';
  priority: number;
  next_run_at: number | null;
  locked_at: number | null;
  disabled: number;
  body: string;
}

/** Fields kept in columns; the body holds the rest. */
const COLUMN_FIELDS = new Set(['_id', 'name', 'type', 'priority', 'nextRunAt', 'lockedAt', 'disabled', 'unique', 'uniqueOpts']);
/** What user code may change on save; the processor's own fields go through saveJobState. */
const STATE_FIELDS = ['lastRunAt', 'lastFinishedAt', 'failedAt', 'failCount', 'failReason', 'progress'] as const;

export class SqliteJobRepository implements JobRepository {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly table = 'agenda_jobs',
  ) {}

  async connect(): Promise<void> {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ${this.table} (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        next_run_at INTEGER,
        locked_at INTEGER,
        disabled INTEGER NOT NULL DEFAULT 0,
        body TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${this.table}_next ON ${this.table} (name, disabled, next_run_at, priority);
      CREATE UNIQUE INDEX IF NOT EXISTS ${this.table}_single ON ${this.table} (name) WHERE type = 'single';
    `);
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const { state, search, data, includeDisabled = true, sort, skip = 0, limit = 0 } = options;
    const now = new Date();
    const selected = this.select(options)
      .map(toJob)
      .filter((job) => includeDisabled || !job.disabled)
      .filter((job) => !search || job.name.toLowerCase().includes(search.toLowerCase()))
      .filter((job) => data === undefined || contains(job.data, data))
      .map((job): JobWithState => ({ ...job, _id: job._id!, state: computeJobState(job, now) }))
      .filter((job) => !state || (state === 'paused' ? job.disabled === true : job.state === state));
    selected.sort((a, b) => compareJobs(a, b, sort));
    const page = limit > 0 ? selected.slice(skip, skip + limit) : selected.slice(skip);
    return { jobs: page, total: selected.length };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = new Date();
    const overviews = new Map<string, JobsOverview>();
    for (const job of this.all().map(toJob)) {
      const overview =
        overviews.get(job.name) ??
        { name: job.name, total: 0, running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0, paused: 0 };
      overview.total++;
      overview[computeJobState(job, now)]++;
      if (job.disabled) overview.paused++;
      overviews.set(job.name, overview);
    }
    return [...overviews.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async getDistinctJobNames(): Promise<string[]> {
    return this.db
      .prepare<[], { name: string }>(`SELECT DISTINCT name FROM ${this.table} ORDER BY name`)
      .all()
      .map((row) => row.name);
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    const row = this.row(id);
    return row ? toJob(row) : null;
  }

  async getQueueSize(): Promise<number> {
    const row = this.db
      .prepare<[number], { count: number }>(
        `SELECT count(*) AS count FROM ${this.table} WHERE next_run_at IS NOT NULL AND next_run_at < ?`,
      )
      .get(Date.now());
    return row?.count ?? 0;
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    const ids = this.matching(options);
    const remove = this.db.prepare(`DELETE FROM ${this.table} WHERE id = ?`);
    return this.db.transaction(() => ids.reduce((count, id) => count + remove.run(id).changes, 0))();
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    const saved = this.db.transaction(() => this.saveSync(job as JobParameters, options)).immediate();
    return (saved ?? job) as JobParameters<DATA>;
  }

  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new Error('Cannot save job state without job ID');
    const done = this.db
      .transaction(() => {
        const row = this.row(job._id!);
        if (!row || row.name !== job.name) return false;
        const body = JSON.parse(row.body) as Record<string, unknown>;
        for (const field of STATE_FIELDS) body[field] = job[field] ?? undefined;
        body.lastModifiedBy = options?.lastModifiedBy;
        this.db
          .prepare(`UPDATE ${this.table} SET locked_at = ?, next_run_at = ?, body = ? WHERE id = ?`)
          .run(time(job.lockedAt), time(job.nextRunAt), JSON.stringify(body), row.id);
        return true;
      })
      .immediate();
    if (!done) {
      throw new Error(`job ${job._id} (name: ${job.name}) cannot be updated in the database, maybe it does not exist anymore?`);
    }
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const nextRunAt = time(job.nextRunAt);
    const result = this.db
      .prepare(
        `UPDATE ${this.table} SET locked_at = ? WHERE id = ? AND name = ? AND locked_at IS NULL AND disabled = 0
         AND next_run_at IS ?`,
      )
      .run(Date.now(), job._id, job.name, nextRunAt);
    if (result.changes !== 1) return undefined;
    this.touchModifier(job._id, options);
    return (await this.getJobById(job._id)) ?? undefined;
  }

  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    // A one-off job that is running has no next run; leave its lock for the runner to clear.
    this.db.prepare(`UPDATE ${this.table} SET locked_at = NULL WHERE id = ? AND next_run_at IS NOT NULL`).run(job._id);
  }

  async unlockJobs(jobIds: string[]): Promise<void> {
    const unlock = this.db.prepare(`UPDATE ${this.table} SET locked_at = NULL WHERE id = ?`);
    this.db.transaction(() => jobIds.forEach((id) => unlock.run(String(id))))();
  }

  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const lockTime = (now ?? new Date()).getTime();
    const id = this.db
      .transaction(() => {
        const candidate = this.db
          .prepare<[string, number, number], { id: string }>(
            `SELECT id FROM ${this.table}
             WHERE name = ? AND disabled = 0
               AND ((locked_at IS NULL AND next_run_at IS NOT NULL AND next_run_at <= ?) OR locked_at <= ?)
             ORDER BY next_run_at ASC, priority DESC LIMIT 1`,
          )
          .get(jobName, nextScanAt.getTime(), lockDeadline.getTime());
        if (!candidate) return undefined;
        this.db.prepare(`UPDATE ${this.table} SET locked_at = ? WHERE id = ?`).run(lockTime, candidate.id);
        return candidate.id;
      })
      .immediate();
    if (!id) return undefined;
    this.touchModifier(id, options);
    return (await this.getJobById(id)) ?? undefined;
  }

  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, 1);
  }

  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.setDisabled(options, 0);
  }

  async purgeAllJobs(): Promise<number> {
    return this.db.prepare(`DELETE FROM ${this.table}`).run().changes;
  }

  private saveSync(job: JobParameters, options: JobRepositoryOptions | undefined): JobParameters | undefined {
    const { _id, unique, uniqueOpts } = job;
    const modifier = options?.lastModifiedBy;
    if (_id) {
      const row = this.row(_id);
      if (!row || row.name !== job.name) return undefined;
      return this.update(row, job, modifier, { keepState: true });
    }
    if (job.type === 'single') {
      const row = this.db.prepare<[string], Row>(`SELECT * FROM ${this.table} WHERE name = ? AND type = 'single'`).get(job.name);
      if (row) {
        // A due time in the past is kept: re-declaring `every` at start-up must not skip a run.
        const protect = job.nextRunAt && job.nextRunAt <= new Date() && row.next_run_at !== null;
        return this.update(row, { ...job, nextRunAt: protect ? new Date(row.next_run_at!) : job.nextRunAt }, modifier, { keepState: true });
      }
      return this.insert(job, modifier);
    }
    if (unique) {
      const existing = this.all(job.name).find((row) => matchesUnique(toJob(row), unique));
      const debounce = uniqueOpts?.debounce;
      const now = new Date();
      if (existing) {
        if (uniqueOpts?.insertOnly && !debounce) return toJob(existing);
        let nextRunAt = job.nextRunAt;
        let debounceStartedAt: Date | undefined;
        if (debounce) {
          const previous = toJob(existing);
          const started = previous.debounceStartedAt ?? now;
          if (debounce.strategy === 'leading') {
            nextRunAt = previous.nextRunAt;
            debounceStartedAt = started;
          } else if (debounce.maxWait && now.getTime() - started.getTime() >= debounce.maxWait) {
            nextRunAt = now;
          } else {
            nextRunAt = new Date(now.getTime() + debounce.delay);
            debounceStartedAt = started;
          }
        }
        return this.update(existing, { ...job, nextRunAt, debounceStartedAt }, modifier, { keepState: true });
      }
      if (debounce) {
        const nextRunAt = debounce.strategy === 'leading' ? job.nextRunAt : new Date(now.getTime() + debounce.delay);
        return this.insert({ ...job, nextRunAt, debounceStartedAt: now }, modifier);
      }
    }
    return this.insert(job, modifier);
  }

  private insert(job: JobParameters, modifier: string | undefined): JobParameters {
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO ${this.table} (id, name, type, priority, next_run_at, locked_at, disabled, body)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, job.name, job.type ?? 'normal', job.priority ?? 0, time(job.nextRunAt), time(job.lockedAt), job.disabled ? 1 : 0, bodyOf(job, modifier));
    return toJob(this.row(id)!);
  }

  private update(row: Row, job: JobParameters, modifier: string | undefined, { keepState }: { keepState: boolean }): JobParameters {
    const previous = JSON.parse(row.body) as Record<string, unknown>;
    const body = JSON.parse(bodyOf(job, modifier)) as Record<string, unknown>;
    if (keepState) {
      // Execution state belongs to the processor unless the caller set it (job.fail().save()).
      for (const field of STATE_FIELDS) if (job[field] === undefined) body[field] = previous[field];
    }
    this.db
      .prepare(`UPDATE ${this.table} SET type = ?, priority = ?, next_run_at = ?, disabled = ?, body = ? WHERE id = ?`)
      .run(job.type ?? row.type, job.priority ?? 0, time(job.nextRunAt), job.disabled ? 1 : 0, JSON.stringify(body), row.id);
    return toJob(this.row(row.id)!);
  }

  private touchModifier(id: string, options: JobRepositoryOptions | undefined): void {
    if (options?.lastModifiedBy === undefined) return;
    this.db
      .prepare(`UPDATE ${this.table} SET body = json_set(body, '$.lastModifiedBy', ?) WHERE id = ?`)
      .run(options.lastModifiedBy, id);
  }

  private setDisabled(options: RemoveJobsOptions, disabled: 0 | 1): number {
    const ids = this.matching(options);
    const update = this.db.prepare(`UPDATE ${this.table} SET disabled = ? WHERE id = ?`);
    return this.db.transaction(() => ids.reduce((count, id) => count + update.run(disabled, id).changes, 0))();
  }

  /** Ids matching remove/disable options; no criteria matches nothing. */
  private matching(options: RemoveJobsOptions): string[] {
    const { id, ids, name, names, notNames, data } = options;
    if (!id && !ids?.length && !name && !names?.length && !notNames?.length && data === undefined) return [];
    return this.select({ id: id?.toString(), ids: ids?.map(String), name, names })
      .filter((row) => !notNames?.length || !notNames.includes(row.name))
      .filter((row) => data === undefined || contains(toJob(row).data, data))
      .map((row) => row.id);
  }

  private select(filter: { id?: string; ids?: string[]; name?: string; names?: string[] }): Row[] {
    if (filter.id) return [this.row(filter.id)].filter((row): row is Row => row !== undefined);
    if (filter.ids?.length) return filter.ids.map((id) => this.row(id)).filter((row): row is Row => row !== undefined);
    if (filter.name) return this.all(filter.name);
    if (filter.names?.length) return filter.names.flatMap((name) => this.all(name));
    return this.all();
  }

  private all(name?: string): Row[] {
    return name === undefined
      ? this.db.prepare<[], Row>(`SELECT * FROM ${this.table}`).all()
      : this.db.prepare<[string], Row>(`SELECT * FROM ${this.table} WHERE name = ?`).all(name);
  }

  private row(id: string): Row | undefined {
    return this.db.prepare<[string], Row>(`SELECT * FROM ${this.table} WHERE id = ?`).get(id);
  }
}

/** Agenda's backend over the embedded SQLite file. Notifications are in-process: a job queued
 * with `now()` runs at once here, and other processes find it on their next poll. */
export class SqliteBackend implements AgendaBackend {
  readonly name = 'SQLite';
  readonly repository: SqliteJobRepository;
  readonly notificationChannel = new InMemoryNotificationChannel();
  /** The file belongs to the embedded stores, which close it. */
  readonly ownsConnection = false;

  constructor(db: SqliteDatabase, table?: string) {
    this.repository = new SqliteJobRepository(db, table);
  }

  async connect(): Promise<void> {
    await this.repository.connect();
  }

  async disconnect(): Promise<void> {}
}

function time(value: Date | null | undefined): number | null {
  return value ? new Date(value).getTime() : null;
}

function bodyOf(job: JobParameters, modifier: string | undefined): string {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(job)) if (!COLUMN_FIELDS.has(key)) body[key] = value;
  body.lastModifiedBy = modifier;
  return JSON.stringify(body);
}

function toJob(row: Row): JobParameters {
  const body = JSON.parse(row.body) as Record<string, unknown>;
  for (const field of datefields) {
    if (typeof body[field] === 'string') body[field] = new Date(body[field]);
  }
  return {
    ...(body as Partial<JobParameters>),
    _id: toJobId(row.id),
    name: row.name,
    type: row.type,
    priority: row.priority,
    nextRunAt: row.next_run_at === null ? null : new Date(row.next_run_at),
    lockedAt: row.locked_at === null ? undefined : new Date(row.locked_at),
    disabled: row.disabled === 1,
    data: body.data,
  };
}

/** `unique` keys are paths such as `data.channel`; values compare as JSON. */
function matchesUnique(job: JobParameters, unique: Record<string, unknown>): boolean {
  return Object.entries(unique).every(([path, expected]) => {
    const actual = path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], job);
    return JSON.stringify(actual instanceof Date ? actual.toISOString() : actual) === JSON.stringify(expected);
  });
}

/** Partial match: every field of `pattern` is in `value` (recursively for objects). */
function contains(value: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object') return value === pattern;
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(pattern).every(([key, expected]) => contains((value as Record<string, unknown>)[key], expected));
}

function compareJobs(a: JobParameters, b: JobParameters, sort: JobsQueryOptions['sort']): number {
  const at = (date: Date | null | undefined, fallback: number) => date?.getTime() ?? fallback;
  if (sort) {
    const order: [keyof NonNullable<JobsQueryOptions['sort']>, number][] = [
      ['nextRunAt', at(a.nextRunAt, Number.MAX_SAFE_INTEGER) - at(b.nextRunAt, Number.MAX_SAFE_INTEGER)],
      ['priority', a.priority - b.priority],
      ['lastRunAt', at(a.lastRunAt, 0) - at(b.lastRunAt, 0)],
      ['lastFinishedAt', at(a.lastFinishedAt, 0) - at(b.lastFinishedAt, 0)],
      ['name', a.name.localeCompare(b.name)],
    ];
    for (const [key, difference] of order) {
      const direction = sort[key];
      if (direction !== undefined && difference !== 0) return direction === 'asc' ? difference : -difference;
    }
    return 0;
  }
  return at(b.nextRunAt, 0) - at(a.nextRunAt, 0) || at(b.lastRunAt, 0) - at(a.lastRunAt, 0);
}
