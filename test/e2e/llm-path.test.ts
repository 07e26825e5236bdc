// The LLM path end to end: the real @langchain/openai client (through createApp) against the
// local OpenAI-compatible fake, on real SQLite files, seen through a recording chat surface.
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RECALL_CALL_ID } from '../../graphs/assistant/context-window.js';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { ChatMessage, MessageKind, ThreadRef } from '../../src/model.js';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../fakes/openai-server.js';
import { RecordingSurface } from '../fakes/recording-surface.js';

const WORKSPACE = 'T-ACME';
const DEPLOY_SOURCE = { id: 'docs/deploy.md', title: 'Deploy process' };
const DEPLOY_PASSAGE =
  'To deploy, merge the pull request to main; the pipeline builds the image, runs the canary for ten minutes and then ships to production.';
const DEPLOY_ANSWER = 'Merge to main; the pipeline runs a ten minute canary and then ships to production [1].';
const SUMMARY_PROMPT_START = 'You keep a running summary';
const SUMMARY_HEADING = "Summary of this thread's earlier conversation:";

// --- the wire, as the fake saw it -------------------------------------------------------------

interface WireMessage {
  role: string;
  content?: unknown;
  tool_call_id?: string;
  tool_calls?: { function: { name: string; arguments: string } }[];
}

function messagesOf(body: unknown): WireMessage[] {
  return (body as { messages?: WireMessage[] }).messages ?? [];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join('');
}

function systemOf(body: unknown): string {
  const system = messagesOf(body).find((message) => message.role === 'system');
  return textOf(system?.content);
}

function isSummaryRequest(body: unknown): boolean {
  return systemOf(body).startsWith(SUMMARY_PROMPT_START);
}

/** Every message's text, joined: what the model was shown. */
function promptText(request: RecordedRequest): string {
  return messagesOf(request.body).map((message) => textOf(message.content)).join('\n');
}

/** Sum of the content lengths of every message of a request. */
function promptChars(request: RecordedRequest): number {
  return messagesOf(request.body).reduce((sum, message) => sum + textOf(message.content).length, 0);
}

function lastMessage(body: unknown): WireMessage | undefined {
  return messagesOf(body).at(-1);
}

/** The result of a tool the model called, when the request ends with one (recalled knowledge is not one). */
function toolResult(body: unknown): string | undefined {
  const last = lastMessage(body);
  return last?.role === 'tool' && last.tool_call_id !== RECALL_CALL_ID ? textOf(last.content) : undefined;
}

// --- the app and its inputs ---------------------------------------------------------------------

let dir: string;
let dataDir: string;
let fake: FakeOpenAI;
const apps: App[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'crosstalk-llm-path-'));
  dataDir = path.join(dir, 'data');
  fake = await startFakeOpenAI();
});

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await fake.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function startApp(env: Record<string, string> = {}): Promise<App> {
  const config = loadConfig({
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'test-key',
    LLM_MODEL: 'test-model',
    DATA_DIR: dataDir,
    ...env,
  });
  const app = await createApp(config, createLogger('silent'));
  apps.push(app);
  return app;
}

async function stopApp(app: App): Promise<void> {
  apps.splice(apps.indexOf(app), 1);
  await app.close();
}

async function addDeployKnowledge(app: App): Promise<void> {
  await app.stores.knowledge.replaceSource(WORKSPACE, DEPLOY_SOURCE, [DEPLOY_PASSAGE]);
}

function thread(threadId: string, channelId = 'C-ENG'): ThreadRef {
  return { platform: 'slack', workspaceId: WORKSPACE, channelId, threadId };
}

let nextId = 0;
function message(where: ThreadRef, text: string, kind: MessageKind = 'mention', author = 'Dana'): ChatMessage {
  return {
    id: `m-${++nextId}`,
    thread: where,
    author: { id: `U-${author}`, name: author, isBot: false },
    text,
    kind,
    receivedAt: new Date(),
  };
}

/** Hands one message to the bot and waits until every answer is posted. */
async function send(app: App, surface: RecordingSurface, inbound: ChatMessage): Promise<void> {
  await app.bot.handle(inbound, surface);
  await app.bot.idle();
}

function piecesOf(text: string, size: number): string[] {
  return Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return `http://127.0.0.1:${port}/v1`;
}

// --- scenarios --------------------------------------------------------------------------------

describe('the LLM path through the real OpenAI client', () => {
  it('given knowledge about deploys, when a user mentions the bot, then one streamed reply with the answer and its source lands in that thread', async () => {
    const app = await startApp();
    await addDeployKnowledge(app);
    fake.respond(() => ({ content: DEPLOY_ANSWER }));
    const surface = new RecordingSurface();
    const where = thread('1700000000.000100');
    const question = '@crosstalk how do we deploy to production?';

    await send(app, surface, message(where, question));

    expect(surface.replies).toHaveLength(1);
    const [reply] = surface.replies;
    expect(reply?.thread).toEqual(where);
    expect(reply?.streamed).toBe(true);
    expect(reply?.text).toBe(`${DEPLOY_ANSWER}\n\nSources:\n[1] Deploy process (docs/deploy.md)`);
    // The fake streams 8 characters a chunk; the sources follow once the answer is complete.
    expect(reply?.chunks).toEqual([...piecesOf(DEPLOY_ANSWER, 8), '\n\nSources:\n[1] Deploy process (docs/deploy.md)']);
    expect(reply?.edits).toEqual([]);
    expect(surface.channelPosts).toEqual([]);
    expect(surface.thinking).toEqual([{ thread: where, cleared: true }]);

    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect(request.stream).toBe(true);
    expect(promptText(request)).toContain(DEPLOY_PASSAGE);
    expect(promptText(request)).toContain(`Dana: ${question}`);
    expect(request.body.tools.map((entry: { function: { name: string } }) => entry.function.name).sort()).toEqual([
      'read_thread',
      'search_knowledge',
      'summarize_thread',
    ]);

    const transcript = await app.stores.transcripts.thread(where);
    expect(transcript.map((entry) => [entry.direction, entry.text])).toEqual([
      ['inbound', question],
      ['outbound', reply?.text],
    ]);
  });

  it('given a model that calls search_knowledge, when a user asks, then the tool result goes back to the model and one reply cites the passage', async () => {
    const app = await startApp();
    await addDeployKnowledge(app);
    fake.respond((body) => {
      const result = toolResult(body);
      if (result === undefined) return { toolCalls: [{ name: 'search_knowledge', args: { query: 'canary pipeline' } }] };
      return { content: 'The canary runs for ten minutes before production [1].' };
    });
    const surface = new RecordingSurface();
    const where = thread('1700000000.000200');

    // Nothing in the question matches the knowledge, so only the tool call can find the passage.
    await send(app, surface, message(where, '@crosstalk when is it safe to release?'));

    expect(surface.replies).toHaveLength(1);
    expect(surface.replies[0]?.thread).toEqual(where);
    expect(surface.replies[0]?.text).toBe(
      'The canary runs for ten minutes before production [1].\n\nSources:\n[1] Deploy process (docs/deploy.md)',
    );
    expect(surface.editCalls).toEqual([]);

    expect(fake.requests).toHaveLength(2);
    const [first, second] = fake.requests as [RecordedRequest, RecordedRequest];
    expect(promptText(first)).not.toContain(DEPLOY_PASSAGE);
    const call = lastMessage(second.body)?.role === 'tool' ? messagesOf(second.body).at(-2) : undefined;
    expect(call?.tool_calls?.map((entry) => [entry.function.name, JSON.parse(entry.function.arguments)])).toEqual([
      ['search_knowledge', { query: 'canary pipeline' }],
    ]);
    const toolMessages = messagesOf(second.body).filter((entry) => entry.role === 'tool' && entry.tool_call_id !== RECALL_CALL_ID);
    expect(toolMessages).toHaveLength(1);
    expect(textOf(toolMessages[0]?.content)).toBe(`[1] Deploy process\n${DEPLOY_PASSAGE}`);
  });

  it('given earlier chatter in a thread, when the model calls read_thread, then it gets those messages oldest first', async () => {
    const app = await startApp();
    const surface = new RecordingSurface();
    const where = thread('1700000000.000300');
    await send(app, surface, message(where, 'the staging database is down again', 'ambient', 'Alice'));
    await send(app, surface, message(where, 'I restarted it at 10:05, watching the replicas', 'ambient', 'Bob'));
    expect(surface.replies).toEqual([]);
    fake.respond((body) => {
      const result = toolResult(body);
      if (result === undefined) return { toolCalls: [{ name: 'read_thread', args: { limit: 10 } }] };
      return { content: 'Alice reported staging down; Bob restarted it at 10:05.' };
    });

    await send(app, surface, message(where, '@crosstalk what happened here?', 'mention', 'Carol'));

    expect(surface.replies).toHaveLength(1);
    expect(surface.replies[0]?.thread).toEqual(where);
    expect(surface.replies[0]?.text).toBe('Alice reported staging down; Bob restarted it at 10:05.');
    expect(fake.requests).toHaveLength(2);
    const result = toolResult(fake.requests[1]!.body) ?? '';
    const lines = result.split('\n').map((line) => line.replace(/^\[[^\]]+\] /, ''));
    expect(lines).toEqual([
      'Alice: the staging database is down again',
      'Bob: I restarted it at 10:05, watching the replicas',
      'Carol: @crosstalk what happened here?',
    ]);
  });

  it('given an answered question, when the user follows up in the same thread, then the model sees the first exchange; another thread does not', async () => {
    const app = await startApp();
    let answers = 0;
    fake.respond(() => ({ content: `answer number ${++answers} about rollbacks` }));
    const surface = new RecordingSurface();
    const first = thread('1700000000.000400');
    const other = thread('1700000000.000500');

    await send(app, surface, message(first, '@crosstalk how do we roll back a release?'));
    await send(app, surface, message(first, 'and who approves it?', 'thread_reply'));
    await send(app, surface, message(other, '@crosstalk who is on call this week?'));

    expect(surface.replies.map((reply) => [reply.thread.threadId, reply.text])).toEqual([
      [first.threadId, 'answer number 1 about rollbacks'],
      [first.threadId, 'answer number 2 about rollbacks'],
      [other.threadId, 'answer number 3 about rollbacks'],
    ]);
    expect(fake.requests).toHaveLength(3);
    const [, followUp, elsewhere] = fake.requests as [RecordedRequest, RecordedRequest, RecordedRequest];
    const followUpRoles = messagesOf(followUp.body).map((entry) => [entry.role, textOf(entry.content)]);
    expect(followUpRoles).toEqual(
      expect.arrayContaining([
        ['user', 'Dana: @crosstalk how do we roll back a release?'],
        ['assistant', 'answer number 1 about rollbacks'],
        ['user', 'Dana: and who approves it?'],
      ]),
    );
    expect(promptText(elsewhere)).not.toContain('roll back');
    expect(promptText(elsewhere)).not.toContain('answer number 1');
    expect(promptText(elsewhere)).toContain('Dana: @crosstalk who is on call this week?');
  });

  it('given an unreachable model server, when a user asks, then one apology says the model did not answer, and a later turn with a working model succeeds', async () => {
    const unreachable = await closedPortUrl();
    const broken = await startApp({ OPENAI_BASE_URL: unreachable, LLM_TIMEOUT_MS: '1000' });
    const surface = new RecordingSurface();
    const where = thread('1700000000.000600');
    const question = '@crosstalk is the deploy pipeline green?';

    await send(broken, surface, message(where, question));

    expect(surface.replies).toHaveLength(1);
    expect(surface.replies[0]?.thread).toEqual(where);
    expect(surface.replies[0]?.text).toBe(
      'Sorry, I could not answer that: the language model did not answer. Your message is saved; ask again in a moment.',
    );
    expect(surface.editCalls).toEqual([]);
    const afterFailure = await broken.stores.transcripts.thread(where);
    expect(afterFailure.map((entry) => [entry.direction, entry.text])).toEqual([
      ['inbound', question],
      ['outbound', surface.replies[0]?.text],
    ]);
    await stopApp(broken);

    fake.respond(() => ({ content: 'Yes, the last three runs passed.' }));
    const working = await startApp();
    await send(working, surface, message(where, 'trying again: is it green?', 'thread_reply'));

    expect(surface.replies).toHaveLength(2);
    expect(surface.replies[1]?.text).toBe('Yes, the last three runs passed.');
    // The saved question is part of the thread's state: the model sees it before the new one.
    const userTexts = messagesOf(fake.requests[0]!.body)
      .filter((entry) => entry.role === 'user')
      .map((entry) => textOf(entry.content));
    expect(userTexts).toEqual([`Dana: ${question}`, 'Dana: trying again: is it green?']);
    expect(fake.requests).toHaveLength(1);
    const transcript = await working.stores.transcripts.thread(where);
    expect(transcript.map((entry) => [entry.direction, entry.text])).toEqual([
      ['inbound', question],
      ['outbound', surface.replies[0]?.text],
      ['inbound', 'trying again: is it green?'],
      ['outbound', 'Yes, the last three runs passed.'],
    ]);
  });

  it('given a model that answers 500 on every attempt, when a user asks, then exactly one apology is posted', async () => {
    const app = await startApp();
    fake.respond(() => ({ content: 'never sent' }));
    fake.failNext(500, 10);
    const surface = new RecordingSurface();
    const where = thread('1700000000.000700');

    await send(app, surface, message(where, '@crosstalk what is our deploy process?'));

    expect(surface.replies).toHaveLength(1);
    expect(surface.replies[0]?.thread).toEqual(where);
    expect(surface.replies[0]?.text).toBe(
      'Sorry, I could not answer that: the language model had an error. Your message is saved; ask again in a moment.',
    );
    expect(surface.editCalls).toEqual([]);
    // One attempt and the client's two retries.
    expect(fake.requests).toHaveLength(3);
    const transcript = await app.stores.transcripts.thread(where);
    expect(transcript.map((entry) => entry.direction)).toEqual(['inbound', 'outbound']);
  });

  it('given one 500 then a good answer, when a user asks, then the retry answers and nothing is posted twice', async () => {
    const app = await startApp();
    fake.respond(() => ({ content: 'The deploy process is merge, canary, ship.' }));
    fake.failNext(500);
    const surface = new RecordingSurface();
    const where = thread('1700000000.000800');

    await send(app, surface, message(where, '@crosstalk what is our deploy process?'));

    expect(surface.replies.map((reply) => reply.text)).toEqual(['The deploy process is merge, canary, ship.']);
    expect(surface.editCalls).toEqual([]);
    expect(fake.requests).toHaveLength(2);
  });

  it('given a 30-turn thread under a 1000-token budget, then late prompts stay the size of early ones and carry the running summary', async () => {
    const app = await startApp({ PROMPT_TOKEN_BUDGET: '1000' });
    let summaries = 0;
    fake.respond((body) => {
      if (isSummaryRequest(body)) {
        summaries++;
        return { content: `Summary ${summaries}: Dana asked a series of questions about service budgets; each got an answer.` };
      }
      const user = messagesOf(body).findLast((entry) => entry.role === 'user');
      const asked = /question (\d+)/.exec(textOf(user?.content))?.[1] ?? '?';
      return { content: `Answer ${asked}: the budget for that service is reviewed quarterly by its owning team, see the finance page.` };
    });
    const surface = new RecordingSurface();
    const where = thread('1700000000.000900');
    const agentRequestOfTurn: RecordedRequest[] = [];
    // A turn's prompt carries the summary made before it; compaction runs after the answer.
    const summariesBeforeTurn: number[] = [];

    for (let turn = 1; turn <= 30; turn++) {
      summariesBeforeTurn.push(summaries);
      const before = fake.requests.length;
      const text = `question ${turn}: what is the budget for service number ${turn} and who reviews it each quarter?`;
      await send(app, surface, message(where, turn === 1 ? `@crosstalk ${text}` : text, turn === 1 ? 'mention' : 'thread_reply'));
      const ofTurn = fake.requests.slice(before).filter((request) => !isSummaryRequest(request.body));
      expect(ofTurn).toHaveLength(1);
      agentRequestOfTurn.push(ofTurn[0]!);
    }

    expect(surface.replies).toHaveLength(30);
    expect(surface.replies.map((reply) => reply.text.slice(0, reply.text.indexOf(':')))).toEqual(
      Array.from({ length: 30 }, (_, i) => `Answer ${i + 1}`),
    );
    expect(summaries).toBeGreaterThanOrEqual(3);
    expect(fake.requests.filter((request) => isSummaryRequest(request.body))).toHaveLength(summaries);
    // Only the answer streams: a streamed call without a token handler makes the OpenAI client
    // count tokens with tiktoken, which downloads its encodings first (a hang with no internet).
    expect(fake.requests.filter((request) => isSummaryRequest(request.body)).map((request) => request.stream)).toEqual(Array(summaries).fill(false));
    expect(agentRequestOfTurn.map((request) => request.stream)).toEqual(Array(30).fill(true));

    const turn8 = promptChars(agentRequestOfTurn[7]!);
    const turn30 = promptChars(agentRequestOfTurn[29]!);
    expect(turn30).toBeLessThanOrEqual(turn8 * 1.5);
    // Every late prompt, not just the 30th, stays within the ratio and within the budget (4 characters a token).
    const late = agentRequestOfTurn.slice(8).map(promptChars);
    expect(Math.max(...late)).toBeLessThanOrEqual(turn8 * 1.5);
    expect(Math.max(...late)).toBeLessThanOrEqual(1000 * 4);
    for (const late of agentRequestOfTurn.slice(20)) {
      expect(systemOf(late.body)).toContain(SUMMARY_HEADING);
    }
    expect(summariesBeforeTurn[29]).toBeGreaterThan(0);
    expect(systemOf(agentRequestOfTurn[29]!.body)).toContain(`${SUMMARY_HEADING}\nSummary ${summariesBeforeTurn[29]}:`);
    // The oldest questions live only in the summary by then.
    expect(promptText(agentRequestOfTurn[29]!)).not.toContain('question 1:');
    expect(promptText(agentRequestOfTurn[29]!)).toContain('question 30:');
    const firstSummary = fake.requests.find((request) => isSummaryRequest(request.body))!;
    expect(promptText(firstSummary)).toContain('question 1:');
  });

  it('given a 100 KB message, then one reply comes back, the prompt stays bounded and the transcript keeps the whole text', async () => {
    const app = await startApp();
    await addDeployKnowledge(app);
    fake.respond(() => ({ content: 'That is a long log; the deploy failed at the canary step.' }));
    const surface = new RecordingSurface();
    const where = thread('1700000000.001000');
    const line = 'deploy log: canary step failed with exit code 1 while checking health endpoints\n';
    const huge = `@crosstalk why did this deploy fail?\n${line.repeat(Math.ceil(100_000 / line.length))}`;
    expect(huge.length).toBeGreaterThan(100_000);

    await send(app, surface, message(where, huge));

    expect(surface.replies).toHaveLength(1);
    expect(surface.replies[0]?.text).toBe('That is a long log; the deploy failed at the canary step.');
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    // The default budget is 6000 tokens, about 24,000 characters; the whole request with tool schemas stays near it.
    expect(promptChars(request)).toBeLessThanOrEqual(24_000);
    expect(JSON.stringify(request.body).length).toBeLessThan(30_000);
    expect(promptText(request)).toContain('Dana: @crosstalk why did this deploy fail?');
    expect(promptText(request)).toMatch(/more characters left out\]/);

    const transcript = await app.stores.transcripts.thread(where);
    expect(transcript.map((entry) => entry.direction)).toEqual(['inbound', 'outbound']);
    expect(transcript[0]?.text).toBe(huge);
  });
});
