// A channel of 10,000 messages digested through the real @langchain/openai client against the
// local OpenAI-compatible server: model calls, prompt tokens against the channel's own size, and
// wall time, with the offline (extractive) digest of the same channel as the time baseline.
import { createDigestRunner } from '../jobs/start.js';
import type { DigestMessage } from '../graphs/digest/notes.js';
import { estimateTokens } from '../src/llm/tokens.js';
import { busyChannel, notesFromPrompt } from '../test/fakes/digest-model.js';
import { startFakeOpenAI } from '../test/fakes/openai-server.js';
import { fixed, isMain, ms, printReport, QUICK, times, type Report } from './report.js';

const MESSAGES = QUICK ? 2_000 : 10_000;
const GOAL_CALLS = 12;
const GOAL_TOKEN_RATIO = 1.2;

export async function benchDigest(): Promise<Report> {
  const channel = busyChannel({ platform: 'slack', workspaceId: 'T1', channelId: 'C1' }, MESSAGES, new Date('2025-06-01T00:00:00Z'));
  const messages: DigestMessage[] = channel.map((message) => ({ id: message.id, author: message.author.name, text: message.text, at: message.receivedAt }));
  // The channel's own size: every message as a reader sees it, "author: text".
  const channelTokens = messages.reduce((sum, message) => sum + estimateTokens(`${message.author}: ${message.text}`), 0);

  const offlineStarted = performance.now();
  await createDigestRunner({ llm: undefined }).digest(messages);
  const offlineMs = performance.now() - offlineStarted;

  const fake = await startFakeOpenAI({ handler: notesFromPrompt });
  try {
    const runner = createDigestRunner({ llm: { apiKey: 'bench', baseUrl: fake.url, model: 'test-model', timeoutMs: 120_000 } });
    const started = performance.now();
    const digest = await runner.digest(messages);
    const wallMs = performance.now() - started;
    const calls = fake.requests.length;
    const promptTokens = fake.requests.reduce(
      (sum, request) =>
        sum + (request.body.messages as { content: string }[]).reduce((total, message) => total + estimateTokens(String(message.content)), 0),
      0,
    );
    const ratio = promptTokens / channelTokens;
    return {
      title: `Digest of a ${MESSAGES.toLocaleString('en')}-message channel (local OpenAI-compatible server)`,
      rows: [
        { measure: 'model calls', figure: String(calls), baseline: `${MESSAGES} (one per message)`, goal: `≤ ${GOAL_CALLS}`, met: calls <= GOAL_CALLS },
        {
          measure: 'prompt tokens',
          figure: promptTokens.toLocaleString('en'),
          baseline: `${channelTokens.toLocaleString('en')} (channel size)`,
          ratio: times(ratio),
          goal: `≤ ${GOAL_TOKEN_RATIO}×`,
          met: ratio <= GOAL_TOKEN_RATIO,
        },
        { measure: 'wall time', figure: ms(wallMs), baseline: `${ms(offlineMs)} (offline, extractive)`, ratio: times(wallMs / offlineMs) },
      ],
      notes: [
        `${digest.included} messages digested, ${digest.leftOut} left out; ${fixed(channelTokens / Math.max(1, calls - 1), 0)} channel tokens per map call.`,
        'Tokens are estimated at four characters a token, for the channel and the prompts alike.',
      ],
    };
  } finally {
    await fake.close();
  }
}

if (isMain(import.meta.url)) printReport(await benchDigest());
