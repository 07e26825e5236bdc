import type { Logger } from '../../logger.js';
import type { InstallationRecords } from '../installations.js';
import { TokenCipher } from '../token-cipher.js';
import { connectRedis, storeFailure, type RedisClient } from './connection.js';

/**
 * Installation records in one Redis hash, sealed like the embedded ones: with REDIS_URL every
 * replica behind the load balancer sees a workspace installed through any of them.
 */
export class RedisInstallationRecords implements InstallationRecords {
  constructor(
    private readonly client: RedisClient,
    private readonly cipher: TokenCipher,
    private readonly hash: string,
  ) {}

  async save(key: string, record: string): Promise<void> {
    await this.client.hSet(this.hash, key, this.cipher.seal(record, key)).catch(storeFailure);
  }

  async find(key: string): Promise<string | undefined> {
    const sealed = await this.client.hGet(this.hash, key).catch(storeFailure);
    return sealed === null || sealed === undefined ? undefined : this.cipher.open(sealed, key);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.hDel(this.hash, key).catch(storeFailure)) > 0;
  }
}

/** Installation records on their own Redis connection, under `keyPrefix`. */
export async function openRedisInstallationRecords(
  url: string,
  keyPrefix: string,
  key: Buffer,
  logger: Logger,
): Promise<{ records: InstallationRecords; close(): Promise<void> }> {
  const client = await connectRedis(url, logger);
  return { records: new RedisInstallationRecords(client, new TokenCipher(key), `${keyPrefix}slack-installations`), close: () => client.close() };
}
