// `crosstalk run` killed with SIGKILL while the model is still answering a mention, then started
// again on the same data folder (and the same Redis, where it uses one): the message is answered
// exactly once, and the thread's transcript and checkpoint hold it once, with one answer.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BaseMessage } from '@langchain/core/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { threadKey, type ThreadRef } from '../../src/model.js';
import { openStores, type OpenedStores } from '../../src/stores/open-stores.js';
import { eventEnvelope, newTs, postSigned, SIGNING_SECRET, waitFor } from '../e2e/slack-harness.js';
import { echoLastUserMessage, startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { FAKE_BOT_USER, FAKE_TEAM, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { reachRedis, type TestRedis } from '../redis/redis-server.js';
import { startAppProcess, type AppProcess } from './app-process.js';
import { recordFault } from './fault-report.js';
import { FAULT_BOT_TOKEN, FAULT_OPENAI_KEY } from './secrets.js';

const CHANNEL = 'C0CRASH';
const REPLY_METHODS = ['chat.startStream', 'chat.postMessage'];

interface Setup {
  name: string;
  /** The stores, as the table names them. */
  stores: string;
  /** What frees the dead process's thread lock, for the figures. */
  lockFreed: string;
  /** Whether the app also has REDIS_URL (checkpoints, locks and the inbox in Redis). */
  redis: boolean;
}

const SETUPS: Setup[] = [
  { name: 'SQLite', stores: 'SQLite stores', lockFreed: "the dead process's SQLite lock is taken over at once", redis: false },
  {
    name: 'Redis',
    stores: 'Redis checkpoints, locks and inbox',
    lockFreed: "the dead process's Redis lock lapses 30 s after its last renewal; the restart retries every 5 s",
    redis: true,
  },
];

describe.each(SETUPS)('with $name', (setup) => {
  let slack: FakeSlackApi;
  let openai: FakeOpenAI;
  let redis: TestRedis | undefined;
  let dir: string;
  let env: Record<string, string>;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    slack = await startFakeSlackApi();
    slack.setUser('U0ASKER', 'asker');
    openai = await startFakeOpenAI({ chunkSize: 16 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-killed-'));
    env = {
      DATA_DIR: dir,
      OPENAI_BASE_URL: openai.url,
      OPENAI_API_KEY: FAULT_OPENAI_KEY,
      LLM_MODEL: 'test-model',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: FAULT_BOT_TOKEN,
      SLACK_API_URL: slack.url,
    };
    if (setup.redis) {
      redis = await reachRedis();
      Object.assign(env, { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `crosstalk-faults:${randomUUID()}:` });
    }
  });

  afterAll(async () => {
    await Promise.all(running.map((app) => app.kill('SIGKILL')));
    await openai?.close();
    await slack?.close();
    await redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = async (name: string) => {
    const app = await startAppProcess({ name: `row4-${setup.name.toLowerCase()}-${name}`, env });
    running.push(app);
    return app;
  };

  it('answers a message exactly once after the process is killed mid-turn and restarted', async () => {
    // The first model call never answers: the turn is in flight when the process dies.
    let modelCalls = 0;
    openai.respond(async (body) => {
      modelCalls += 1;
      if (modelCalls === 1) await new Promise(() => {});
      return echoLastUserMessage(body);
    });
    const first = await start('before-kill');
    const ts = newTs();
    const delivery = await postSigned(first.url, eventEnvelope({ type: 'app_mention', user: 'U0ASKER', text: `<@${FAKE_BOT_USER}> what is our rollback plan?`, ts, channel: CHANNEL }));
    await waitFor('the model request of the turn', () => openai.requests.length >= 1, 30_000);
    await first.kill('SIGKILL');
    const repliesAtKill = slack.botReplies(CHANNEL, ts).length;

    const restarted = performance.now();
    const second = await start('after-restart');
    const ready = performance.now();
    // No answer within four lock lifetimes is recorded as such, not thrown, so the table shows it.
    const reply = await waitFor('the answer after the restart', () => slack.botReplies(CHANNEL, ts).find((message) => !message.streaming), 120_000).catch(() => undefined);
    const answered = performance.now();
    // A second answer, if any, would follow shortly.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await second.kill('SIGTERM');

    const thread: ThreadRef = { platform: 'slack', workspaceId: FAKE_TEAM, channelId: CHANNEL, threadId: ts };
    const { transcript, pending, checkpointMessages } = await readStores(env, thread);
    const asked = checkpointMessages.filter((message) => message.getType() === 'human');
    const answers = checkpointMessages.filter((message) => message.getType() === 'ai' && !(message as { tool_calls?: unknown[] }).tool_calls?.length);
    const replies = slack.botReplies(CHANNEL, ts);
    const replyCalls = slack.calls.filter((call) => call.status === 200 && REPLY_METHODS.includes(call.method) && call.args.thread_ts === ts);
    const inbound = transcript.filter((entry) => entry.direction === 'inbound');
    const outbound = transcript.filter((entry) => entry.direction === 'outbound');
    const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1);

    recordFault({
      guarantee: 'a turn killed mid-way is answered once after restart',
      tried: `SIGKILL of \`crosstalk run\` (${setup.stores}) while the model answers a mention, then the same command again`,
      happened: `${replies.length} reply in the thread (${repliesAtKill} before the kill); ${replyCalls.length} reply call; transcript ${inbound.length} in / ${outbound.length} out; checkpoint ${asked.length} question / ${answers.length} answer; ${pending.length} threads still waiting`,
      figures: reply
        ? `answered ${seconds(restarted, answered)} s after the restart began, ready after ${seconds(restarted, ready)} s (${setup.lockFreed})`
        : `no answer within 120 s of the restart (${setup.lockFreed})`,
      held: replies.length === 1 && replyCalls.length === 1 && inbound.length === 1 && outbound.length === 1 && asked.length === 1 && answers.length === 1 && pending.length === 0,
    });
    expect(delivery.status).toBe(200);
    expect(replies).toHaveLength(1);
    expect(replyCalls).toHaveLength(1);
    expect(reply?.text).toContain('what is our rollback plan?');
    expect(inbound.map((entry) => entry.id)).toEqual([ts]);
    expect(outbound.map((entry) => entry.text)).toEqual([expect.stringContaining('what is our rollback plan?')]);
    expect(asked).toHaveLength(1);
    expect(answers).toHaveLength(1);
    expect(pending).toEqual([]);
  }, 240_000);
});

/** What the app left in its stores, opened from its own configuration; then deletes its Redis keys. */
async function readStores(env: Record<string, string>, thread: ThreadRef) {
  const config = loadConfig(env);
  const stores = await openStores(config, createLogger('silent'));
  try {
    const checkpoint = await stores.checkpointer.getTuple({ configurable: { thread_id: threadKey(thread) } });
    return {
      transcript: await stores.transcripts.thread(thread),
      pending: await stores.inbox.pendingThreads(),
      checkpointMessages: (checkpoint?.checkpoint.channel_values.messages ?? []) as BaseMessage[],
    };
  } finally {
    await deleteRedisKeys(stores, config.stores.redis?.keyPrefix);
    await stores.close();
  }
}

async function deleteRedisKeys(stores: OpenedStores, prefix: string | undefined): Promise<void> {
  if (!stores.redis || prefix === undefined) return;
  for await (const keys of stores.redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1_000 })) if (keys.length > 0) await stores.redis.del(keys);
}
