// Digest bookkeeping: the per-channel watermark (where the next digest starts reading) and the
// idempotency claims (one digest per channel per period, across schedulers and restarts).
// SQLite in the embedded file, Redis when REDIS_URL is set.
import type { RedisClient } from '../src/stores/redis/connection.js';
import type { SqliteDatabase } from '../src/stores/sqlite/database.js';

export interface DigestLedger {
  /** Where the channel's next digest starts reading; undefined before its first digest. */
  watermark(channel: string): Promise<Date | undefined>;
  /**
   * Claims the channel's digest for `period`: true for exactly one caller, ever. Checked before
   * posting, so a retry after a crash between posting and `complete` never posts twice.
   */
  claim(channel: string, period: string): Promise<boolean>;
  /** After the post succeeded: moves the watermark forward (never back) and records the period. */
  complete(channel: string, period: string, watermark: Date): Promise<void>;
  /** Gives a claim back when the post failed, so a retry may post. */
  release(channel: string, period: string): Promise<void>;
  /** The last completed digest, for `/digest status`. */
  last(channel: string): Promise<{ period: string; at: Date } | undefined>;
}

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
  }

  async watermark(channel: string): Promise<Date | undefined> {
    const row = this.db.prepare<[string], { watermark: number }>('SELECT watermark FROM digest_watermarks WHERE channel = ?').get(channel);
    return row ? new Date(row.watermark) : undefined;
  }

  async claim(channel: string, period: string): Promise<boolean> {
    const result = this.db
      .prepare('INSERT INTO digest_claims (channel, period, claimed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
      .run(channel, period, Date.now());
    return result.changes === 1;
  }

  async release(channel: string, period: string): Promise<void> {
    this.db.prepare('DELETE FROM digest_claims WHERE channel = ? AND period = ?').run(channel, period);
  }

  async complete(channel: string, period: string, watermark: Date): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO digest_watermarks (channel, watermark, period, completed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (channel) DO UPDATE SET watermark = max(watermark, excluded.watermark), period = excluded.period,
           completed_at = excluded.completed_at`,
      )
      .run(channel, watermark.getTime(), period, Date.now());
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

// Moves the watermark forward only: two late completions never move it back.
const ADVANCE = `
local current = tonumber(redis.call('HGET', KEYS[1], 'watermark') or '0')
if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], 'watermark', ARGV[1]) end
redis.call('HSET', KEYS[1], 'period', ARGV[2], 'completedAt', ARGV[3])
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

  async claim(channel: string, period: string): Promise<boolean> {
    return (await this.redis.set(this.claimKey(channel, period), String(Date.now()), { condition: 'NX', expiration: { type: 'EX', value: CLAIM_TTL_SECONDS } })) === 'OK';
  }

  async release(channel: string, period: string): Promise<void> {
    await this.redis.del(this.claimKey(channel, period));
  }

  async complete(channel: string, period: string, watermark: Date): Promise<void> {
    await this.redis.eval(ADVANCE, {
      keys: [this.stateKey(channel)],
      arguments: [String(watermark.getTime()), period, String(Date.now())],
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
