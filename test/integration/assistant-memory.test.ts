// Finished turns must not stay in memory when many run at once (LangGraph's `messages` stream
// mode kept about 55 KB of each: a busy bot grew without bound).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, expect, it } from 'vitest';
import { assistantFromGraph, buildAssistantGraph } from '../../graphs/assistant/graph.js';
import { OfflineChatModel } from '../../src/llm/offline-model.js';
import type { ChatMessage, ThreadRef } from '../../src/model.js';
import { openEmbeddedStores } from '../../src/stores/embedded.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
const heapUsed = () => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-memory-'));
const stores = openEmbeddedStores(dir);
afterAll(async () => {
  await stores.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('keeps no finished turn in memory after 600 turns run 100 at a time', async () => {
  const graph = await buildAssistantGraph({
    model: new OfflineChatModel(),
    offline: true,
    knowledge: stores.knowledge,
    transcripts: stores.transcripts,
    checkpointer: stores.checkpointer,
    botName: 'crosstalk',
    promptTokenBudget: 6_000,
  });
  const assistant = assistantFromGraph(graph, 6_000);
  const turn = async (index: number) => {
    const thread: ThreadRef = { platform: 'slack', workspaceId: 'T1', channelId: 'C1', threadId: `t${index}` };
    const message: ChatMessage = {
      id: `m${index}`,
      thread,
      author: { id: 'U1', name: 'alice', isBot: false },
      text: `@crosstalk question ${index} about deploys`,
      kind: 'mention',
      receivedAt: new Date(),
    };
    const run = assistant.startTurn(thread, [message]);
    let streamed = '';
    for await (const piece of run.text) streamed += piece;
    await run.done;
    expect(streamed).toBe(await run.answer);
  };
  const batch = (from: number) => Promise.all(Array.from({ length: 100 }, (_, offset) => turn(from + offset)));

  await batch(0); // warm-up: code, caches and the SQLite page cache settle first
  const before = heapUsed();
  for (let from = 100; from < 700; from += 100) await batch(from);
  const grown = heapUsed() - before;
  // 600 retained turns would be about 33 MB.
  expect(grown).toBeLessThan(8 * 1024 * 1024);
});
