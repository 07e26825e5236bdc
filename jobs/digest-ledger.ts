// Digest bookkeeping: the per-channel watermark (where the next digest starts reading) and the
// claims (one digest per channel per period, across schedulers and restarts).
// SQLite in the embedded file, Redis when REDIS_URL is set.
//
// A claim is a lease: a scheduler that dies holding it does not keep the period forever, or a
// kill between claiming and posting would lose that period's digest. The claim records when its
// holder started posting, so whoever takes over an expired claim knows whether the post may
// already show and checks the channel before posting again.
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../src/stores/redis/connection.js';
import type { SqliteDatabase } from '../src/stores/sqlite/database.js';

/** A held claim on one channel's digest for one period. */
export interface DigestClaim {
  token: string;
  /** An earlier holder started posting and then stopped: the post may be in the channel already. */
  mayHavePosted: boolean;
}

export interface DigestLedger {
  /** Where the channel's next digest starts reading; undefined before its first digest. */
  watermark(channel: string): Promise<Date | undefined>;
  /**
   * Claims the channel's digest for `period` for `leaseMs`. Undefined when the period's digest is
   * done or another holder's lease still runs; an expired lease is taken over.
   */
  claim(channel: string, period: string, leaseMs: number): Promise<DigestClaim | undefined>;
  /**
   * Just before posting: records that the post may land and renews the lease. False when the
   * claim was taken over (this holder was presumed dead), so it must not post.
   */
  posting(channel: string, period: string, token: string, leaseMs: number): Promise<boolean>;
  /** After the post: marks the period done and moves the watermark forward (never back). */
  complete(channel: string, period: string, watermark: Date): Promise<void>;
  /** Gives a claim back (quiet period, failed digest or refused post), if it is still ours. */
  release(channel: string, period: string, token: string): Promise<void>;
  /** The last completed digest, for `/digest status`. */
  last(channel: string): Promise<{ period: string; at: Date } | undefined>;
}

type ClaimState = 'claimed' | 'posting' | 'done';

export class SqliteDigestLedger implements DigestLedger {
  constructor(private readonly db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS digest_claims (
        channel TEXT NOT NULL,
        period TEXT NOT NULL,
        claimed_at INTEGER NOT NULL,
        PRIMARY KEY (channel, period)
      );
      CREATE TABLE IF NOT EXISTS digest_watermarks (
        channel TEXT PRIMARY KEY,
        watermark INTEGER NOT NULL,
        period TEXT NOT NULL,
        completed_at INTEGER NOT NULL
      );
    `);
    // Files from before claims were leases: their claims read as done, never posted again.
    const columns = new Set(db.prepare<[], { name: string }>('PRAGMA table_info(digest_claims)').all().map((column) => column.name));
    if (!columns.has('state')) {
      db.exec(`
        ALTER TABLE digest_claims ADD COLUMN token TEXT NOT NULL DEFAULT '';
        ALTER TABLE digest_claims ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
        ALTER TABLE digest_claims ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
      `);
    }
  }

  async watermark(channel: string): Promise<Date | undefined> {
    const row = this.db.prepare<[string], { watermark: number }>('SELECT watermark FROM digest_watermarks WHERE channel = ?').get(channel);
    return row ? new Date(row.watermark) : undefined;
  }

  async claim(channel: string, period: string, leaseMs: number): Promise<DigestClaim | undefined> {
    const now = Date.now();
    const token = randomUUID();
    return this.db
      .transaction((): DigestClaim | undefined => {
        const held = this.db
          .prepare<[string, string], { state: ClaimState; lease_until: number }>('SELECT state, lease_until FROM digest_claims WHERE channel = ? AND period = ?')
          .get(channel, period);
        if (!held) {
          this.db
            .prepare(`INSERT INTO digest_claims (channel, period, claimed_at, token, state, lease_until) VALUES (?, ?, ?, ?, 'claimed', ?)`)
            .run(channel, period, now, token, now + leaseMs);
          return { token, mayHavePosted: false };
        }
        if (held.state === 'done' || held.lease_until > now) return undefined;
        // The state stays: a takeover of a takeover still knows an earlier holder began posting.
        this.db.prepare('UPDATE digest_claims SET token = ?, claimed_at = ?, lease_until = ? WHERE channel = ? AND period = ?').run(token, now, now + leaseMs, channel, period);
        return { token, mayHavePosted: held.state === 'posting' };
      })
      .immediate();
  }

  async posting(channel: string, period: string, token: string, leaseMs: number): Promise<boolean> {
    const result = this.db
      .prepare(`UPDATE digest_claims SET state = 'posting', lease_until = ? WHERE channel = ? AND period = ? AND token = ? AND state != 'done'`)
      .run(Date.now() + leaseMs, channel, period, token);
    return result.changes === 1;
  }

  async release(channel: string, period: string, token: string): Promise<void> {
    this.db.prepare(`DELETE FROM digest_claims WHERE channel = ? AND period = ? AND token = ? AND state != 'done'`).run(channel, period, token);
  }

  async complete(channel: string, period: string, watermark: Date): Promise<void> {
    const now = Date.now();
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO digest_claims (channel, period, claimed_at, token, state, lease_until) VALUES (?, ?, ?, '', 'done', 0)
             ON CONFLICT (channel, period) DO UPDATE SET state = 'done'`,
          )
          .run(channel, period, now);
        this.db
          .prepare(
            `INSERT INTO digest_watermarks (channel, watermark, period, completed_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (channel) DO UPDATE SET watermark = max(watermark, excluded.watermark), period = excluded.period,
               completed_at = excluded.completed_at`,
          )
          .run(channel, watermark.getTime(), period, now);
      })
      .immediate();
  }

  async last(channel: string): Promise<{ period: string; at: Date } | undefined> {
    const row = this.db
      .prepare<[string], { period: string; completed_at: number }>('SELECT period, completed_at FROM digest_watermarks WHERE channel = ?')
      .get(channel);
    return row ? { period: row.period, at: new Date(row.completed_at) } : undefined;
  }
}

/** Claims outlive any retry; they only need to cover the period they name. */
const CLAIM_TTL_SECONDS = 60 * 24 * 60 * 60;

// Claims written before claims were leases are plain strings: read as done, never posted again.
const CLAIM = `
if redis.call('TYPE', KEYS[1]).ok == 'string' then return false end
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  redis.call('HSET', KEYS[1], 'token', ARGV[1], 'state', 'claimed', 'leaseUntil', ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return 'claimed'
end
if state == 'done' or tonumber(redis.call('HGET', KEYS[1], 'leaseUntil')) > tonumber(ARGV[2]) then return false end
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'leaseUntil', ARGV[3])
return state`;

const POSTING = `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local claim = redis.call('HMGET', KEYS[1], 'token', 'state')
if claim[1] ~= ARGV[1] or claim[2] == 'done' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'posting', 'leaseUntil', ARGV[2])
return 1`;

const RELEASE = `
if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
local claim = redis.call('HMGET', KEYS[1], 'token', 'state')
if claim[1] ~= ARGV[1] or claim[2] == 'done' then return 0 end
return redis.call('DEL', KEYS[1])`;

// Marks the period done and moves the watermark forward only: two late completions never move it back.
const COMPLETE = `
if redis.call('TYPE', KEYS[1]).ok ~= 'string' then
  redis.call('HSET', KEYS[1], 'state', 'done')
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
local current = tonumber(redis.call('HGET', KEYS[2], 'watermark') or '0')
if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[2], 'watermark', ARGV[1]) end
redis.call('HSET', KEYS[2], 'period', ARGV[2], 'completedAt', ARGV[3])
return 1`;

export class RedisDigestLedger implements DigestLedger {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = 'crosstalk:digest:',
  ) {}

  async watermark(channel: string): Promise<Date | undefined> {
    const value = await this.redis.hGet(this.stateKey(channel), 'watermark');
    return value ? new Date(Number(value)) : undefined;
  }

  async claim(channel: string, period: string, leaseMs: number): Promise<DigestClaim | undefined> {
    const now = Date.now();
    const token = randomUUID();
    const state = await this.redis.eval(CLAIM, {
      keys: [this.claimKey(channel, period)],
      arguments: [token, String(now), String(now + leaseMs), String(CLAIM_TTL_SECONDS)],
    });
    return typeof state === 'string' ? { token, mayHavePosted: state === 'posting' } : undefined;
  }

  async posting(channel: string, period: string, token: string, leaseMs: number): Promise<boolean> {
    const changed = await this.redis.eval(POSTING, { keys: [this.claimKey(channel, period)], arguments: [token, String(Date.now() + leaseMs)] });
    return changed === 1;
  }

  async release(channel: string, period: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, { keys: [this.claimKey(channel, period)], arguments: [token] });
  }

  async complete(channel: string, period: string, watermark: Date): Promise<void> {
    await this.redis.eval(COMPLETE, {
      keys: [this.claimKey(channel, period), this.stateKey(channel)],
      arguments: [String(watermark.getTime()), period, String(Date.now()), String(CLAIM_TTL_SECONDS)],
    });
  }

  async last(channel: string): Promise<{ period: string; at: Date } | undefined> {
    const state = await this.redis.hGetAll(this.stateKey(channel));
    return state.period && state.completedAt ? { period: state.period, at: new Date(Number(state.completedAt)) } : undefined;
  }

  private claimKey(channel: string, period: string): string {
    return `${this.prefix}{${channel}}:claim:${period}`;
  }

  private stateKey(channel: string): string {
    return `${this.prefix}{${channel}}:state`;
  }
}
