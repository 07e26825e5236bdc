// One thread, 1000 turns, through the pipeline (bot → assistant graph → embedded SQLite stores,
// offline model): does turn 1000 cost what turn 10 does, in latency and in prompt tokens?
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { BindToolsInput } from '@langchain/core/language_models/chat_models';
import { assistantFromGraph, buildAssistantGraph } from '../graphs/assistant/graph.js';
import { Bot } from '../src/bot.js';
import { CommandRegistry } from '../src/commands/registry.js';
import { loadConfig } from '../src/config.js';
import { OfflineChatModel } from '../src/llm/offline-model.js';
import { messagesTokens } from '../src/llm/tokens.js';
import { createLogger } from '../src/logger.js';
import { openEmbeddedStores } from '../src/stores/embedded.js';
import { QUESTIONS, questionFor, seedKnowledge } from './knowledge-fixture.js';
import { fixed, isMain, median, ms, printReport, QUICK, times, type Report } from './report.js';
import { discardingShell, followUp, mentionInNewThread, tempDataDir } from './shell-fixture.js';

const TURNS = QUICK ? 100 : 1000;
const WARMUP_TURNS = QUICK ? 20 : 200;
const GOAL_RATIO = 1.1;
/** A turn well after the running summary and the recent-messages window have filled. */
const SETTLED_TURN = 100;

/**
 * The offline model, reporting the prompt of every call the agent makes. The assistant graph
 * calls the model returned by bindTools, so that is where the recorder goes. The handler is
 * awaited, so a prompt is counted before its turn can end.
 */
class PromptRecordingModel extends OfflineChatModel {
  constructor(private readonly onPrompt: (messages: BaseMessage[]) => void) {
    super();
  }

  override bindTools(tools: BindToolsInput[]) {
    return super.bindTools(tools).withConfig({
      callbacks: [{ awaitHandlers: true, handleChatModelStart: (_model, prompts) => prompts.forEach(this.onPrompt) }],
    });
  }
}

/** Where a prompt's tokens go: system prompt with running summary, conversation, recalled passages. */
interface PromptTokens {
  total: number;
  systemAndSummary: number;
  conversation: number;
  passages: number;
}

function promptTokens(prompt: readonly BaseMessage[]): PromptTokens {
  const system = prompt.filter((message) => message.getType() === 'system');
  // Passages arrive as a tool call and its result; the rest is the thread's own conversation.
  const passages = prompt.filter(
    (message) => message.getType() === 'tool' || (AIMessage.isInstance(message) && (message.tool_calls?.length ?? 0) > 0),
  );
  const total = messagesTokens(prompt);
  const systemAndSummary = messagesTokens(system);
  const passageTokens = messagesTokens(passages);
  return { total, systemAndSummary, passages: passageTokens, conversation: total - systemAndSummary - passageTokens };
}

const NO_PROMPT: PromptTokens = { total: 0, systemAndSummary: 0, conversation: 0, passages: 0 };

function addPrompt(a: PromptTokens, b: PromptTokens): PromptTokens {
  return {
    total: a.total + b.total,
    systemAndSummary: a.systemAndSummary + b.systemAndSummary,
    conversation: a.conversation + b.conversation,
    passages: a.passages + b.passages,
  };
}

const describe = (tokens: PromptTokens | undefined) =>
  tokens
    ? `${tokens.total} = system+summary ${tokens.systemAndSummary} + conversation ${tokens.conversation} + passages ${tokens.passages}`
    : 'n/a';

/** Turns are numbered from 1; `window(values, 5, 15)` is turns 5 to 15, inclusive. */
function window(values: readonly number[], first: number, last: number): number[] {
  return values.slice(first - 1, last);
}

interface Pipeline {
  /** Sends one message and waits for its reply; returns the latency in milliseconds. */
  turn(threadId: string | undefined, question: string): Promise<{ threadId: string; latency: number }>;
  close(): Promise<void>;
}

/** The app's wiring (src/app.ts) on embedded stores, with `model` in place of createChatModel's. */
async function openPipeline(model: OfflineChatModel): Promise<Pipeline & { promptTokenBudget: number }> {
  const data = tempDataDir('long-thread');
  const config = loadConfig({ DATA_DIR: data.dir });
  const stores = openEmbeddedStores(config.dataDir);
  await seedKnowledge(stores.knowledge);
  const graph = await buildAssistantGraph({
    model,
    offline: true,
    knowledge: stores.knowledge,
    transcripts: stores.transcripts,
    checkpointer: stores.checkpointer,
    botName: config.botName,
    promptTokenBudget: config.promptTokenBudget,
  });
  const bot = new Bot({
    stores,
    assistant: assistantFromGraph(graph, config.promptTokenBudget),
    commands: new CommandRegistry(config.botName),
    logger: createLogger('silent'),
    botName: config.botName,
  });
  const shell = discardingShell(config.botName, stores.transcripts);
  return {
    promptTokenBudget: config.promptTokenBudget,
    async turn(threadId, question) {
      const message = threadId ? followUp(threadId, question) : mentionInNewThread(config.botName, question);
      const started = performance.now();
      await bot.handle(message, shell);
      await bot.idle();
      return { threadId: message.thread.threadId, latency: performance.now() - started };
    },
    async close() {
      await bot.idle();
      await stores.close();
      data.remove();
    },
  };
}

/** Runs `turns` turns in one new thread: a mention, then follow-ups. */
async function driveThread(
  pipeline: Pipeline,
  turns: number,
  onTurn: (latency: number) => void = () => {},
): Promise<void> {
  let threadId: string | undefined;
  for (let turn = 1; turn <= turns; turn++) {
    const result = await pipeline.turn(threadId, questionFor(turn - 1));
    threadId = result.threadId;
    onTurn(result.latency);
  }
}

export async function benchLongThread(): Promise<Report> {
  let current = NO_PROMPT;
  let calls = 0;
  const model = new PromptRecordingModel((prompt) => {
    current = addPrompt(current, promptTokens(prompt));
    calls += 1;
  });
  const pipeline = await openPipeline(model);
  const latencies: number[] = [];
  const prompts: PromptTokens[] = [];
  const callsPerTurn: number[] = [];
  try {
    // A warm process: without this, turns 5-15 would time the JIT rather than the thread.
    await driveThread(pipeline, WARMUP_TURNS);
    current = NO_PROMPT;
    calls = 0;
    await driveThread(pipeline, TURNS, (latency) => {
      latencies.push(latency);
      prompts.push(current);
      callsPerTurn.push(calls);
      current = NO_PROMPT;
      calls = 0;
    });
  } finally {
    await pipeline.close();
  }

  const budget = pipeline.promptTokenBudget;
  const totals = prompts.map((prompt) => prompt.total);
  const early = [5, 15] as const;
  const late = [TURNS - 10, TURNS] as const;
  const earlyLatency = median(window(latencies, ...early));
  const lateLatency = median(window(latencies, ...late));
  const latencyRatio = lateLatency / earlyLatency;
  const at = (turn: number) => totals[turn - 1] ?? Number.NaN;
  const tokenRatio = at(TURNS) / at(10);
  const largest = Math.max(...totals);
  return {
    title: `Long thread: ${TURNS} turns in one thread through the pipeline${QUICK ? ' (quick mode)' : ''}`,
    rows: [
      {
        measure: `latency, median of turns ${late.join('–')}`,
        figure: ms(lateLatency),
        baseline: `${ms(earlyLatency)} (turns ${early.join('–')})`,
        ratio: times(latencyRatio),
        goal: `≤ ${GOAL_RATIO}×`,
        met: latencyRatio <= GOAL_RATIO,
      },
      {
        measure: `prompt tokens at turn ${TURNS}`,
        figure: `${at(TURNS)}`,
        baseline: `${at(10)} (turn 10)`,
        ratio: times(tokenRatio),
        goal: `≤ ${GOAL_RATIO}×`,
        met: tokenRatio <= GOAL_RATIO,
      },
      // Context for the row above: once the window has filled, the prompt stops growing.
      ...(TURNS > SETTLED_TURN
        ? [
            {
              measure: `prompt tokens at turn ${TURNS} (context)`,
              figure: `${at(TURNS)}`,
              baseline: `${at(SETTLED_TURN)} (turn ${SETTLED_TURN})`,
              ratio: times(at(TURNS) / at(SETTLED_TURN)),
            },
          ]
        : []),
      {
        measure: 'prompt tokens, largest turn',
        figure: `${largest} (turn ${totals.indexOf(largest) + 1})`,
        baseline: `budget ${budget}`,
        ratio: times(largest / budget),
        goal: '≤ budget',
        met: largest <= budget,
      },
    ],
    notes: [
      `turn 1 is a mention, turns 2–${TURNS} are follow-ups; each asks one of ${QUESTIONS.length} questions about the seeded knowledge, in turn`,
      `warm-up: ${WARMUP_TURNS} turns in another thread of the same stores first, so early turns do not time the JIT`,
      `prompt tokens: every agent model call of the turn (median ${fixed(median(callsPerTurn), 0)} a turn), counted with messagesTokens (src/llm/tokens.ts)`,
      ...[10, SETTLED_TURN, TURNS]
        .filter((turn, index, turns) => turn <= TURNS && turns.indexOf(turn) === index)
        .map((turn) => `prompt at turn ${turn}: ${describe(prompts[turn - 1])}`),
    ],
  };
}

if (isMain(import.meta.url)) printReport(await benchLongThread());
