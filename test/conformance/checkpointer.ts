// Conformance suite for LangGraph checkpointers: LangGraph's own validation suite, plus what Crosstalk relies on.
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import {
  emptyCheckpoint,
  uuid6,
  type BaseCheckpointSaver,
  type CheckpointMetadata,
} from '@langchain/langgraph-checkpoint';
import { deltaChannelHistoryTests, validate } from '@langchain/langgraph-checkpoint-validation';
import * as vitest from 'vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { threadKey, type ThreadRef } from '../../src/model.js';

type Factory = () => Promise<{ store: BaseCheckpointSaver; cleanup(): Promise<void> }>;

/**
 * `name` is also the validation suite's checkpointerName, which it uses to skip tests for savers with known gaps
 * (`@langchain/langgraph-checkpoint-sqlite` does not store channel deltas). Our own savers get a name of their own,
 * so they skip nothing.
 */
export function describeCheckpointer(name: string, create: Factory): void {
  provideJestGlobals();
  const cleanups = new Map<BaseCheckpointSaver, () => Promise<void>>();
  const initializer = {
    checkpointerName: name,
    createCheckpointer: async () => {
      const { store, cleanup } = await create();
      cleanups.set(store, cleanup);
      return store;
    },
    destroyCheckpointer: async (checkpointer: BaseCheckpointSaver) => {
      await cleanups.get(checkpointer)?.();
      cleanups.delete(checkpointer);
    },
  };

  describe(`Checkpointer: ${name}`, () => {
    describe('LangGraph checkpoint validation', () => {
      validate(initializer);
      deltaChannelHistoryTests(initializer);
    });

    describe('what Crosstalk relies on', () => {
      let checkpointer: BaseCheckpointSaver;
      let cleanup: () => Promise<void>;
      beforeEach(async () => {
        ({ store: checkpointer, cleanup } = await create());
      });
      afterEach(async () => {
        await cleanup();
      });

      it('deleteThread removes only the exact thread, not one whose key it prefixes', async () => {
        const one = threadKey({ ...THREAD, threadId: '1' });
        const ten = threadKey({ ...THREAD, threadId: '10' });
        expect([one, ten]).toEqual(['shell:local:general:1', 'shell:local:general:10']);
        for (const thread_id of [one, ten]) {
          for (const checkpoint_ns of ['', 'child']) {
            const where = { configurable: { thread_id, checkpoint_ns } };
            const config = await checkpointer.put(where, checkpoint(), META, {});
            await checkpointer.putWrites(config, [['messages', `for ${thread_id}`]], 'task-1');
          }
        }

        await checkpointer.deleteThread(one);

        for (const checkpoint_ns of ['', 'child']) {
          expect(await checkpointer.getTuple({ configurable: { thread_id: one, checkpoint_ns } })).toBeUndefined();
          const kept = await checkpointer.getTuple({ configurable: { thread_id: ten, checkpoint_ns } });
          expect(kept?.pendingWrites).toEqual([['task-1', 'messages', `for ${ten}`]]);
        }
        expect(await count(checkpointer.list({ configurable: { thread_id: one } }))).toBe(0);
        expect(await count(checkpointer.list({ configurable: { thread_id: ten } }))).toBe(2);
      });

      it('deleteThread of a thread that was never written is harmless', async () => {
        const kept = threadKey(THREAD);
        await checkpointer.put({ configurable: { thread_id: kept, checkpoint_ns: '' } }, checkpoint(), META, {});

        await checkpointer.deleteThread(threadKey({ ...THREAD, threadId: 'never-written' }));

        expect(await checkpointer.getTuple({ configurable: { thread_id: kept } })).toBeDefined();
      });

      it('keeps thread keys with escaped ":" and non-ASCII ids apart', async () => {
        const refs: ThreadRef[] = [
          { ...THREAD, channelId: 'a:b', threadId: 'c' },
          { ...THREAD, channelId: 'a', threadId: 'b:c' },
          { ...THREAD, threadId: '💬 スレッド' },
        ];
        for (const ref of refs) {
          const thread_id = threadKey(ref);
          const saved = { ...checkpoint(), channel_values: { owner: thread_id } };
          await checkpointer.put({ configurable: { thread_id, checkpoint_ns: '' } }, saved, META, { owner: 1 });
        }

        for (const ref of refs) {
          const tuple = await checkpointer.getTuple({ configurable: { thread_id: threadKey(ref) } });
          expect(tuple?.checkpoint.channel_values).toEqual({ owner: threadKey(ref) });
        }
      });

      it('lets a compiled graph carry state across invocations of one thread, and keeps threads apart', async () => {
        const State = Annotation.Root({
          turns: Annotation<string[]>({ reducer: (all, next) => [...all, ...next], default: () => [] }),
        });
        const graph = new StateGraph(State)
          .addNode('echo', (state) => ({ turns: [`reply ${state.turns.length}`] }))
          .addEdge(START, 'echo')
          .addEdge('echo', END)
          .compile({ checkpointer });
        const config = (ref: ThreadRef) => ({ configurable: { thread_id: threadKey(ref) } });
        const first: ThreadRef = { ...THREAD, threadId: '1' };
        const second: ThreadRef = { ...THREAD, threadId: '10' };

        await graph.invoke({ turns: ['hello'] }, config(first));
        const after = await graph.invoke({ turns: ['again'] }, config(first));
        const other = await graph.invoke({ turns: ['hi'] }, config(second));

        expect(after.turns).toEqual(['hello', 'reply 1', 'again', 'reply 3']);
        expect(other.turns).toEqual(['hi', 'reply 1']);
        expect((await graph.getState(config(first))).values).toEqual({ turns: after.turns });
      });
    });
  });
}

const THREAD: ThreadRef = { platform: 'shell', workspaceId: 'local', channelId: 'general', threadId: '1' };
const META: CheckpointMetadata = { source: 'input', step: -1, parents: {} };

function checkpoint() {
  return { ...emptyCheckpoint(), id: uuid6(-3) };
}

async function count(items: AsyncIterable<unknown>): Promise<number> {
  const seen: unknown[] = [];
  for await (const item of items) seen.push(item);
  return seen.length;
}

/**
 * The validation specs call describe/it/expect/beforeEach as Jest-style globals. This project does not turn on
 * vitest's globals, so lend them before the specs register.
 */
function provideJestGlobals(): void {
  const names = ['describe', 'it', 'test', 'expect', 'beforeAll', 'afterAll', 'beforeEach', 'afterEach'] as const;
  const globals = globalThis as Record<string, unknown>;
  for (const name of names) globals[name] ??= vitest[name];
}
