import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { Stores } from './ports.js';
import { openDatabase } from './sqlite/database.js';
import { SqliteMessageDedupe } from './sqlite/dedupe.js';
import { SqliteTurnInbox } from './sqlite/inbox.js';
import { SqliteKnowledgeStore } from './sqlite/knowledge.js';
import { SqliteThreadLocks } from './sqlite/locks.js';
import { SqliteTranscriptStore } from './sqlite/transcripts.js';

/** Every store in one SQLite file under `dataDir`: the default, needing no servers. */
export function openEmbeddedStores(dataDir: string): Stores {
  const db = openDatabase(dataDir);
  return {
    checkpointer: new SqliteSaver(db),
    transcripts: new SqliteTranscriptStore(db),
    knowledge: new SqliteKnowledgeStore(db),
    dedupe: new SqliteMessageDedupe(db),
    locks: new SqliteThreadLocks(db),
    inbox: new SqliteTurnInbox(db),
    close: async () => {
      db.close();
    },
  };
}
