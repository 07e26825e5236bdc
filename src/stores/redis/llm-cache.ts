import type { Generation } from '@langchain/core/outputs';
import { RedisCache } from '@langchain/redis';
import type { RedisClient } from './connection.js';

/**
 * LangChain's Redis cache for model answers, on the stores' shared connection, keyed by the
 * prompt and the model only. LangChain's own key also holds every per-call option, and under a
 * graph those differ on every call (run metadata), so identical prompts would never meet.
 * Entries carry no TTL: give the Redis a `maxmemory-policy` such as `allkeys-lru`.
 */
class PromptAndModelCache extends RedisCache {
  constructor(
    client: RedisClient,
    private readonly modelKey: string,
  ) {
    // @langchain/redis is typed against its own copy of node-redis; the commands it calls (GET, SET) are the same.
    super(client as unknown as ConstructorParameters<typeof RedisCache>[0]);
  }

  override lookup(prompt: string): Promise<Generation[] | null> {
    return super.lookup(prompt, this.modelKey);
  }

  override update(prompt: string, _llmKey: string, value: Generation[]): Promise<void> {
    return super.update(prompt, this.modelKey, value);
  }
}

/** `modelKey` names the model and server, e.g. `gpt-4o-mini@https://api.openai.com/v1`. */
export function createRedisLlmCache(client: RedisClient, modelKey: string): RedisCache {
  return new PromptAndModelCache(client, modelKey);
}
