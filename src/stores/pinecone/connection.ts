import { Pinecone, type Index } from '@pinecone-database/pinecone';
import type { StoresConfig } from '../../config.js';
import { StoreUnavailableError } from '../sqlite/database.js';

type PineconeConfig = NonNullable<StoresConfig['pinecone']>;

/**
 * The knowledge index, checked at start-up: it must answer, and (when looked up by name) have
 * integrated embedding, since the store sends text and never vectors.
 */
export async function openPineconeIndex(config: PineconeConfig): Promise<Index> {
  const client = new Pinecone({
    apiKey: config.apiKey,
    ...(config.controllerUrl === undefined ? {} : { controllerHostUrl: config.controllerUrl }),
  });
  const where = config.indexHost ?? `index ${config.index}`;
  try {
    if (config.indexHost !== undefined) {
      const index = client.index({ host: config.indexHost });
      await index.describeIndexStats();
      return index;
    }
    const model = await client.describeIndex(config.index);
    if (!model.embed) {
      throw new StoreUnavailableError(
        `PINECONE_INDEX ${config.index} has no integrated embedding: create it with an embedding model (see README, "Production stores"), or point PINECONE_INDEX at one that has it.`,
      );
    }
    return client.index({ host: model.host });
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(
      `PINECONE_API_KEY is set but Pinecone did not answer for ${where} (${(error as Error).message.split('\n')[0]}): check PINECONE_API_KEY and PINECONE_INDEX, or unset PINECONE_API_KEY for the embedded store.`,
    );
  }
}
