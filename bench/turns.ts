// Turns per second through the whole pipeline (shell surface → bot → assistant graph → embedded
// SQLite stores, offline model) against a bare LangGraph graph (one node calling the same
// offline model, MemorySaver), measured in the same process, interleaved round by round.
// A second table adds the pipeline's layers one at a time, to show where a turn's time goes.
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { HumanMessage } from '@langchain/core/messages';
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { assistantFromGraph, buildAssistantGraph } from '../graphs/assistant/graph.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { OfflineChatModel } from '../src/llm/offline-model.js';
import { createLogger } from '../src/logger.js';
import { threadKey } from '../src/model.js';
import { questionFor, seedKnowledge } from './knowledge-fixture.js';
import { fixed, isMain, median, ms, printReport, QUICK, times, type Report } from './report.js';
import { discardingShell, followUp, mentionInNewThread, tempDataDir } from './shell-fixture.js';

const ROUNDS = QUICK ? 2 : 5;
/** Turns per round: N mentions, each in its own thread; M turns in one thread. */
const DISTINCT_THREADS = QUICK ? 10 : 100;
const TURNS_IN_ONE_THREAD = QUICK ? 10 : 100;
const WARMUP_TURNS = QUICK ? 5 : 100;
const GOAL_RATIO = 0.8;

/** Answers one question; `threadId` undefined starts a new thread. Resolves once the reply is out. */
type Turn = (question: string, threadId: string | undefined) => Promise<string>;

interface Subject {
  name: string;
  turn: Turn;
}

function pipelineSubject(app: App, config: Config): Subject {
  const shell = discardingShell(config.botName, app.stores.transcripts);
  return {
    name: 'full pipeline: shell surface, bot, streamed assistant graph, SQLite stores',
    async turn(question, threadId) {
      const message = threadId ? followUp(threadId, question) : mentionInNewThread(config.botName, question);
      await app.bot.handle(message, shell);
      // handle() resolves once the message is queued; a turn ends when its reply is posted.
      await app.bot.idle();
      return message.thread.threadId;
    },
  };
}

function bareGraphSubject(): Subject {
  const model = new OfflineChatModel();
  const graph = new StateGraph(MessagesAnnotation)
    .addNode('model', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addEdge(START, 'model')
    .addEdge('model', END)
    .compile({ checkpointer: new MemorySaver() });
  let threads = 0;
  return {
    name: 'bare graph: one model node, MemorySaver, invoke',
    async turn(question, threadId) {
      const thread = threadId ?? `bare-${++threads}`;
      await graph.invoke({ messages: [new HumanMessage(question)] }, { configurable: { thread_id: thread } });
      return thread;
    },
  };
}

/** The assistant graph alone (no bot, no surface), invoked, or streamed the way the bot runs it. */
async function assistantGraphSubject(app: App, config: Config, checkpointer: BaseCheckpointSaver, streamed: boolean): Promise<Subject> {
  const graph = await buildAssistantGraph({
    model: new OfflineChatModel(),
    offline: true,
    knowledge: app.stores.knowledge,
    transcripts: app.stores.transcripts,
    checkpointer,
    botName: config.botName,
    promptTokenBudget: config.promptTokenBudget,
  });
  const assistant = assistantFromGraph(graph, config.promptTokenBudget);
  const saver = checkpointer instanceof MemorySaver ? 'MemorySaver' : 'SQLite checkpointer';
  return {
    name: `assistant graph: recall, agent, cite, compact; ${saver}, ${streamed ? 'streamed' : 'invoke'}`,
    async turn(question, threadId) {
      const message = threadId ? followUp(threadId, question) : mentionInNewThread(config.botName, question);
      if (streamed) {
        const run = assistant.startTurn(message.thread, [message]);
        for await (const piece of run.text) void piece;
        await run.done;
      } else {
        // The same input assistantFromGraph sends: the message, and the per-turn fields reset.
        const input = new HumanMessage({ id: message.id, content: `${message.author.name}: ${message.text}` });
        await graph.invoke(
          { messages: [input], recalled: undefined, toolRounds: 0, answer: '' },
          { configurable: { thread_id: threadKey(message.thread) } },
        );
      }
      return message.thread.threadId;
    },
  };
}

const signed = (delta: number) => `${delta < 0 ? '−' : '+'}${ms(Math.abs(delta))}`;

/** Turns per second for `count` mentions, each in a new thread. */
async function distinctThreads(subject: Subject, count: number): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) await subject.turn(questionFor(index), undefined);
  return count / ((performance.now() - started) / 1000);
}

/** Turns per second for one thread: a mention, then `count - 1` follow-ups. */
async function oneThread(subject: Subject, count: number): Promise<number> {
  const started = performance.now();
  let thread = await subject.turn(questionFor(0), undefined);
  for (let index = 1; index < count; index++) thread = await subject.turn(questionFor(index), thread);
  return count / ((performance.now() - started) / 1000);
}

export async function benchTurns(): Promise<Report[]> {
  const data = tempDataDir('turns');
  const config = loadConfig({ DATA_DIR: data.dir });
  const app = await createApp(config, createLogger('silent'));
  try {
    await seedKnowledge(app.stores.knowledge);
    const pipeline = pipelineSubject(app, config);
    const bare = bareGraphSubject();
    // From the bare graph to the full pipeline, one layer added at a time.
    const layers = [
      bare,
      await assistantGraphSubject(app, config, new MemorySaver(), false),
      await assistantGraphSubject(app, config, app.stores.checkpointer, false),
      await assistantGraphSubject(app, config, app.stores.checkpointer, true),
      pipeline,
    ];

    // Warm up JIT, module caches and SQLite pages on every subject before timing anything.
    for (const subject of layers) {
      await distinctThreads(subject, WARMUP_TURNS);
      await oneThread(subject, WARMUP_TURNS);
    }

    const rates = new Map<Subject, { distinct: number[]; one: number[] }>(layers.map((subject) => [subject, { distinct: [], one: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so drift (GC, page cache) does not favour one side.
      const order = round % 2 === 0 ? layers : [...layers].reverse();
      for (const subject of order) {
        const rate = rates.get(subject)!;
        rate.distinct.push(await distinctThreads(subject, DISTINCT_THREADS));
        if (subject === pipeline || subject === bare) rate.one.push(await oneThread(subject, TURNS_IN_ONE_THREAD));
      }
    }

    const pipelineRates = rates.get(pipeline)!;
    const bareRates = rates.get(bare)!;
    const row = (measure: string, figure: number[], baseline: number[]) => {
      const ratio = median(figure) / median(baseline);
      return {
        measure,
        figure: `${fixed(median(figure))} turns/s`,
        baseline: `${fixed(median(baseline))} turns/s`,
        ratio: times(ratio),
        goal: `≥ ${GOAL_RATIO}× bare`,
        met: ratio >= GOAL_RATIO,
      };
    };
    const headline: Report = {
      title: `Turns per second: full pipeline vs bare LangGraph graph (median of ${ROUNDS} rounds${QUICK ? ', quick mode' : ''})`,
      rows: [
        row(`${DISTINCT_THREADS} mentions, each in a new thread`, pipelineRates.distinct, bareRates.distinct),
        row(`${TURNS_IN_ONE_THREAD} turns in one thread (mention + follow-ups)`, pipelineRates.one, bareRates.one),
      ],
      notes: [
        'figure: shell surface → bot (dedupe, transcripts, inbox, lock) → assistant graph → SQLite stores, offline model, 20 seeded passages',
        'baseline: StateGraph(MessagesAnnotation), one node calling the same OfflineChatModel, MemorySaver, invoke',
        'turns run one after another: each waits for its reply before the next is sent',
        'the offline model answers in well under a millisecond, so this compares framework overhead only',
      ],
    };

    const msPerTurn = (subject: Subject) => 1000 / median(rates.get(subject)!.distinct);
    const breakdown: Report = {
      title: 'Where a pipeline turn goes: layers added one at a time (mentions in new threads)',
      rows: layers.map((subject, index) => ({
        measure: subject.name,
        figure: `${ms(msPerTurn(subject))}/turn`,
        baseline: index === 0 ? '' : `${signed(msPerTurn(subject) - msPerTurn(layers[index - 1]!))} over the row above`,
        ratio: times(msPerTurn(subject) / msPerTurn(bare)),
      })),
      notes: ['ratio: time per turn against the bare graph'],
    };
    return [headline, breakdown];
  } finally {
    await app.close();
    data.remove();
  }
}

if (isMain(import.meta.url)) for (const report of await benchTurns()) printReport(report);
