// Slack end to end: signed Events API and slash-command requests into the running app's real
// Bolt HTTP receiver; Bolt's Web API calls answered by the local fake Slack, which keeps what a
// user would see in each thread; the model is the fake OpenAI server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_TEXT_CHARS, STREAM_MESSAGE_CHARS } from '../../adapters/slack/limits.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { echoLastUserMessage, startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { FAKE_BOT_ID, FAKE_BOT_USER, FAKE_TEAM, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { eventEnvelope, newTs, postSigned, settled, signature, startSlackHarness, waitFor, type SlackHarness } from './slack-harness.js';

const CHANNEL = 'C0ENG';
const ASKER = 'U0DANA';

let slack: FakeSlackApi;
let openai: FakeOpenAI;
let harness: SlackHarness | undefined;

beforeAll(async () => {
  openai = await startFakeOpenAI({ chunkSize: 64 });
});
afterAll(async () => {
  await openai.close();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await slack.close();
  openai.respond(echoLastUserMessage);
});

async function start(options: { nativeStreaming?: boolean; logger?: Logger } = {}): Promise<SlackHarness> {
  slack = await startFakeSlackApi();
  slack.setUser(ASKER, 'dana');
  slack.setUser('U0LEE', 'lee');
  harness = await startSlackHarness({ slack, openaiUrl: openai.url, ...options });
  return harness;
}

const mention = (ts: string, text: string, extra: Record<string, unknown> = {}) => ({
  type: 'app_mention',
  user: ASKER,
  text: `<@${FAKE_BOT_USER}> ${text}`,
  ts,
  channel: CHANNEL,
  ...extra,
});

const channelMessage = (ts: string, text: string, extra: Record<string, unknown> = {}) => ({
  type: 'message',
  channel_type: 'channel',
  user: ASKER,
  text,
  ts,
  channel: CHANNEL,
  ...extra,
});

/** A logger for `start`, and the warn and error lines it wrote. */
function capturedLogs(): { logger: Logger; problems: Array<Record<string, unknown>> } {
  const problems: Array<Record<string, unknown>> = [];
  const write = (line: string) => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (Number(parsed.level) >= 40) problems.push(parsed);
  };
  return { logger: createLogger('info', { format: 'json', destination: { write } }), problems };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { contentType: 'application/x-www-form-urlencoded' };

describe('Slack adapter, end to end over HTTP', () => {
  it('finds its own channel posts (a digest checks them before posting again) and reads history oldest first', async () => {
    const h = await start();
    const since = new Date(Date.now() - 1_000);
    const surface = h.platform.surface;
    const channel = { platform: 'slack', workspaceId: FAKE_TEAM, channelId: CHANNEL } as const;
    slack.addMessage({ channel: CHANNEL, user: ASKER, text: 'first chatter' });
    slack.addMessage({ channel: CHANNEL, user: 'U0LEE', text: 'second chatter' });
    const posted = await surface.postToChannel(channel, '*Digest for #eng*: nothing much');

    // Slack shows the post in mrkdwn: Markdown's *emphasis* became _emphasis_.
    expect(await surface.readOwnPosts!(channel, since)).toEqual([{ id: posted.id, text: '_Digest for #eng_: nothing much' }]);
    const history = await surface.readHistory(channel, since);
    expect(history.map((message) => message.text)).toEqual(['first chatter', 'second chatter']);
  });

  it('answers a mention with exactly one reply in its thread, showing thinking meanwhile', async () => {
    const h = await start();
    const ts = newTs();
    const delivery = await postSigned(h.url, eventEnvelope(mention(ts, 'what is our deploy process?')));
    expect(delivery.status).toBe(200);
    await settled(h, 1);

    const replies = slack.botReplies(CHANNEL, ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('fake answer to:');
    expect(replies[0]!.text).toContain('what is our deploy process?');
    expect(replies[0]!.streaming).toBe(false);
    // The mention reached the model as readable text, not as <@U…>.
    expect(JSON.stringify(openai.requests.at(-1)!.body)).toContain('@crosstalk what is our deploy process?');
    expect(slack.performed('reactions.add').map((call) => call.args.timestamp)).toEqual([ts]);
    expect(slack.performed('reactions.remove').map((call) => call.args.timestamp)).toEqual([ts]);
  });

  it('gives one reply for an event delivered four times (original and three retries)', async () => {
    const h = await start();
    const ts = newTs();
    const body = eventEnvelope(mention(ts, 'how do I roll back?'), 'EvRETRY1');
    const deliveries = [];
    for (const retry of [undefined, '1', '2', '3']) {
      const headers: Record<string, string> = retry ? { 'x-slack-retry-num': retry, 'x-slack-retry-reason': 'http_timeout' } : {};
      deliveries.push(await postSigned(h.url, body, { headers }));
    }
    expect(deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200, 200]);
    await settled(h, 4);
    expect(slack.botReplies(CHANNEL, ts)).toHaveLength(1);
  });

  it('gives one reply when one post arrives as both `message` and `app_mention`', async () => {
    const h = await start();
    const ts = newTs();
    const text = 'where is the runbook?';
    await Promise.all([
      postSigned(h.url, eventEnvelope(channelMessage(ts, `<@${FAKE_BOT_USER}> ${text}`))),
      postSigned(h.url, eventEnvelope(mention(ts, text))),
    ]);
    await settled(h, 2);
    expect(h.handled.map((message) => [message.id, message.kind])).toEqual([
      [ts, 'mention'],
      [ts, 'mention'],
    ]);
    const replies = slack.botReplies(CHANNEL, ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain(text);
  });

  it('rejects a forged signature and a request signed six minutes ago with 401, doing no work', async () => {
    const h = await start();
    const body = eventEnvelope(mention(newTs(), 'forged'));
    const now = Math.floor(Date.now() / 1000);
    const forged = await postSigned(h.url, body, { signature: signature(body, now, 'not-the-secret') });
    const stale = await postSigned(h.url, body, { timestamp: now - 6 * 60 });
    expect([forged.status, stale.status]).toEqual([401, 401]);

    // A valid request afterwards is answered, and it is the only thing the bot ever saw.
    const ts = newTs();
    await postSigned(h.url, eventEnvelope(mention(ts, 'genuine')));
    await settled(h, 1);
    expect(h.handled.map((message) => message.text)).toEqual(['@crosstalk genuine']);
    expect(slack.performed('chat.startStream')).toHaveLength(1);
    expect(openai.requests.some((request) => JSON.stringify(request.body).includes('forged'))).toBe(false);
  });

  it('answers a signed body of JSON null or an array with 400 and keeps serving', async () => {
    const h = await start();
    const bodies: Array<[string, string]> = [
      ['null', 'application/json'],
      ['[1]', 'application/json'],
      ['payload=null', 'application/x-www-form-urlencoded'],
    ];
    const statuses = [];
    for (const [body, contentType] of bodies) statuses.push((await postSigned(h.url, body, { contentType })).status);
    const unsigned = await postSigned(h.url, 'null', { signature: 'v0=forged' });
    expect([...statuses, unsigned.status]).toEqual([400, 400, 400, 401]);

    const ts = newTs();
    await postSigned(h.url, eventEnvelope(mention(ts, 'still there?')));
    await settled(h, 1);
    expect(slack.botReplies(CHANNEL, ts)).toHaveLength(1);
  });

  it('answers 400, not 500, to a signed body Bolt cannot take apart, with a warning that names it', async () => {
    const logs = capturedLogs();
    const h = await start({ logger: logs.logger });
    const envelope = JSON.parse(eventEnvelope({})) as Record<string, unknown>;
    const deliveries = await Promise.all([
      postSigned(h.url, JSON.stringify({ ...envelope, event: null })),
      postSigned(h.url, JSON.stringify({ ...envelope, event: 'hello' })),
      postSigned(h.url, JSON.stringify({ ...envelope, event: { type: 'reaction_added', item: null } })),
      postSigned(h.url, form({ payload: JSON.stringify({ type: 'block_actions', actions: 5 }) }), FORM),
      postSigned(h.url, form({ payload: JSON.stringify({ type: 'shortcut', callback_id: 'x' }) }), FORM),
    ]);
    expect(deliveries.map((delivery) => delivery.status)).toEqual([400, 400, 400, 400, 400]);
    expect(logs.problems.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect(logs.problems.map((line) => line.payload).sort()).toEqual(['block_actions payload', 'event of no readable type', 'event of no readable type', 'reaction_added event', 'shortcut payload']);
    for (const line of logs.problems) expect(line.msg).toMatch(/^answered 400 to a signed Slack .+ that Bolt could not read: ./u);
  });

  it('drops message events and slash commands with fields of the wrong type, naming the field, and answers the next mention', async () => {
    const logs = capturedLogs();
    const h = await start({ logger: logs.logger });
    const command = { team_id: FAKE_TEAM, channel_id: CHANNEL, user_id: ASKER, user_name: 'dana', command: '/ask', text: 'q', trigger_id: 'TRIG.3' };
    const deliveries = [
      await postSigned(h.url, eventEnvelope(mention(newTs(), 'channel of the wrong type', { channel: 5 }))),
      await postSigned(h.url, eventEnvelope(mention(newTs(), 'ts of the wrong type', { ts: { at: 1 } }))),
      await postSigned(h.url, eventEnvelope(channelMessage(newTs(), 'text', { text: ['a', 'list'] }))),
      await postSigned(h.url, JSON.stringify({ ...(JSON.parse(eventEnvelope(mention(newTs(), 'team id'))) as object), team_id: 5, authorizations: undefined })),
      await postSigned(h.url, form({ ...command, text: '' }).replace('&text=', '&nottext='), FORM),
      await postSigned(h.url, `${form(command)}&command=%2Fkb`, FORM),
      // Slack always sends a response_url; without one, a failed post has no one to tell.
      await postSigned(h.url, form({ ...command, channel_id: '', trigger_id: 'TRIG.4' }), FORM),
    ];
    expect(deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    await waitFor('a warning for each', () => logs.problems.length >= 7);
    const marker = newTs();
    await postSigned(h.url, eventEnvelope(mention(marker, 'marker')));
    await settled(h, 1);
    expect(h.handled.map((message) => message.text)).toEqual(['@crosstalk marker']);
    expect(slack.botReplies(CHANNEL, marker)).toHaveLength(1);
    expect(logs.problems.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect(logs.problems.map((line) => String(line.msg)).sort()).toEqual([
      'could not post the command in its channel',
      'dropped a malformed Slack app_mention event: `channel` is a number, not a string',
      'dropped a malformed Slack app_mention event: `team_id` is a number, not a string',
      'dropped a malformed Slack app_mention event: `ts` is an object, not a string',
      'dropped a malformed Slack message event: `text` is a list, not a string',
      'dropped a malformed Slack slash command /ask: `text` is missing',
      'dropped a malformed Slack slash command: `command` is a list, not a string',
    ]);
  });

  it('answers 404 to an interactivity payload it has no listener for (interactivity is off), with a warning that names it', async () => {
    const logs = capturedLogs();
    const h = await start({ logger: logs.logger });
    const payload = { type: 'block_actions', team: { id: FAKE_TEAM }, user: { id: ASKER }, channel: { id: CHANNEL } };
    const deliveries = await Promise.all([
      postSigned(h.url, form({ payload: JSON.stringify({ ...payload, actions: [{ action_id: 'approve', type: 'button' }] }) }), FORM),
      postSigned(h.url, form({ payload: JSON.stringify({ ...payload, actions: [] }) }), FORM),
    ]);
    expect(deliveries.map((delivery) => delivery.status)).toEqual([404, 404]);
    expect(logs.problems.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect(logs.problems.map((line) => String(line.msg)).sort()).toEqual([
      "dropped a malformed Slack block_actions payload: its `view` or first action is missing",
      'no listener took a signed Slack block_actions payload within 3 s (the app does not handle it); answered 404',
      'no listener took a signed Slack block_actions payload within 3 s (the app does not handle it); answered 404',
    ]);
  });

  it('answers a direct message in a thread under it', async () => {
    const h = await start();
    const ts = newTs();
    await postSigned(h.url, eventEnvelope({ type: 'message', channel_type: 'im', channel: 'D0DANA', user: ASKER, text: 'hello, what can you do?', ts }));
    await settled(h, 1);
    expect(h.handled[0]!.kind).toBe('dm');
    const replies = slack.botReplies('D0DANA', ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('hello, what can you do?');
  });

  it('answers a follow-up in its thread without a new mention, and not chatter in other threads', async () => {
    const h = await start();
    const root = newTs();
    await postSigned(h.url, eventEnvelope(mention(root, 'what is our deploy process?')));
    await settled(h, 1);

    const followUp = newTs();
    await postSigned(h.url, eventEnvelope(channelMessage(followUp, 'and how do I roll back?', { thread_ts: root, parent_user_id: ASKER })));
    const otherRoot = newTs();
    const chatter = newTs();
    await postSigned(h.url, eventEnvelope(channelMessage(chatter, 'lunch at noon?', { thread_ts: otherRoot, parent_user_id: 'U0LEE' })));
    await settled(h, 3);

    expect(h.handled.map((message) => message.kind)).toEqual(['mention', 'thread_reply', 'ambient']);
    const replies = slack.botReplies(CHANNEL, root);
    expect(replies).toHaveLength(2);
    expect(replies[1]!.text).toContain('and how do I roll back?');
    expect(slack.botReplies(CHANNEL, otherRoot)).toHaveLength(0);
  });

  it('reads the earlier messages of a thread it is mentioned into, before the mention', async () => {
    const h = await start();
    const root = slack.addMessage({ channel: CHANNEL, user: 'U0LEE', text: 'the deploy failed on step 3' });
    slack.addMessage({ channel: CHANNEL, user: ASKER, text: 'logs say <https://ci.example.com/run/7|run 7> timed out', thread_ts: root.ts });
    const ts = newTs();
    await postSigned(h.url, eventEnvelope(mention(ts, 'can you help here?', { thread_ts: root.ts })));
    await settled(h, 3);

    const thread = { platform: 'slack' as const, workspaceId: FAKE_TEAM, channelId: CHANNEL, threadId: root.ts };
    const entries = await h.app.stores.transcripts.thread(thread);
    expect(entries.filter((entry) => entry.direction === 'inbound').map((entry) => [entry.author.name, entry.kind, entry.text])).toEqual([
      ['lee', 'ambient', 'the deploy failed on step 3'],
      ['dana', 'ambient', 'logs say run 7 (https://ci.example.com/run/7) timed out'],
      ['dana', 'mention', '@crosstalk can you help here?'],
    ]);
    expect(slack.botReplies(CHANNEL, root.ts)).toHaveLength(1);
  });

  it('acks a slash command within 3 s while the model takes 10 s, then answers in the command thread', async () => {
    const h = await start();
    openai.respond(async (body) => {
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      return echoLastUserMessage(body);
    });
    const form = new URLSearchParams({
      token: 'unused',
      team_id: FAKE_TEAM,
      team_domain: 'fake',
      channel_id: CHANNEL,
      channel_name: 'eng',
      user_id: ASKER,
      user_name: 'dana',
      command: '/ask',
      text: 'what is our deploy process?',
      api_app_id: 'A0FAKE',
      response_url: `${slack.url.replace(/\/api\/$/, '')}/commands/response`,
      trigger_id: 'TRIG.1',
    }).toString();
    const ack = await postSigned(h.url, form, { contentType: 'application/x-www-form-urlencoded' });
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3_000);

    const root = await waitFor('the command posted in the channel', () => slack.messages(CHANNEL).find((message) => message.text.includes('/ask')));
    expect(root.thread_ts).toBeUndefined();
    const reply = await waitFor('the answer in the command thread', () => slack.botReplies(CHANNEL, root.ts).find((message) => !message.streaming), 40_000);
    expect(reply.text).toContain('what is our deploy process?');
    await h.app.bot.idle();
  }, 60_000);

  it('runs `/crosstalk help` through the shared command registry', async () => {
    const h = await start();
    const form = new URLSearchParams({ team_id: FAKE_TEAM, channel_id: CHANNEL, user_id: ASKER, user_name: 'dana', command: '/crosstalk', text: 'help', trigger_id: 'TRIG.2' }).toString();
    expect((await postSigned(h.url, form, { contentType: 'application/x-www-form-urlencoded' })).status).toBe(200);
    await settled(h, 1);
    const root = slack.messages(CHANNEL).find((message) => message.text.includes('/crosstalk help'))!;
    const replies = slack.botReplies(CHANNEL, root.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('/ask');
    expect(replies[0]!.text).toContain('/kb');
  });

  it.each([
    ['post-and-update', false, 'chat.postMessage'],
    ['native streaming', true, 'chat.startStream'],
  ])('posts once when the first %s call is rate limited (429, Retry-After: 1)', async (_mode, nativeStreaming, method) => {
    const h = await start({ nativeStreaming });
    slack.rateLimitNext(method, 1, 1);
    const ts = newTs();
    await postSigned(h.url, eventEnvelope(mention(ts, 'rate limited question')));
    await settled(h, 1);
    const attempts = slack.calls.filter((call) => call.method === method);
    expect(attempts.map((call) => call.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
    const replies = slack.botReplies(CHANNEL, ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('rate limited question');
  });

  it.each([
    ['post-and-update', false, MESSAGE_TEXT_CHARS],
    ['native streaming', true, STREAM_MESSAGE_CHARS],
  ])('splits a 20,000-character answer under the limit with %s', async (_mode, nativeStreaming, limit) => {
    const h = await start({ nativeStreaming });
    const sentences: string[] = [];
    for (let i = 0; sentences.join(' ').length < 20_000; i++) sentences.push(`Sentence ${i} explains one more step of the deploy.${i % 7 === 6 ? '\n\n' : ''}`);
    const answer = sentences.join(' ').slice(0, 20_000).replace(/\s+\S*$/u, '');
    openai.respond(() => ({ content: answer }));
    const ts = newTs();
    await postSigned(h.url, eventEnvelope(mention(ts, 'tell me everything')));
    await settled(h, 1);

    const replies = slack.botReplies(CHANNEL, ts);
    expect(replies.length).toBeGreaterThanOrEqual(Math.ceil(answer.length / limit));
    for (const reply of replies) expect(reply.text.length).toBeLessThanOrEqual(limit);
    const words = (text: string) => text.split(/\s+/u).filter(Boolean);
    expect(words(replies.map((reply) => reply.text).join(' '))).toEqual(words(answer));
  });

  it("ignores the bot's own messages and other bots', even in its threads", async () => {
    const h = await start();
    const root = newTs();
    await postSigned(h.url, eventEnvelope(mention(root, 'first question')));
    await settled(h, 1);
    await postSigned(h.url, eventEnvelope(channelMessage(newTs(), 'my own echo', { user: FAKE_BOT_USER, bot_id: FAKE_BOT_ID, thread_ts: root })));
    await postSigned(h.url, eventEnvelope(channelMessage(newTs(), 'another bot', { subtype: 'bot_message', bot_id: 'B0OTHER', user: undefined, thread_ts: root })));
    await postSigned(h.url, eventEnvelope(channelMessage(newTs(), 'edited', { subtype: 'message_changed', thread_ts: root })));
    // A marker after them: once it is answered, the earlier deliveries have been processed.
    const marker = newTs();
    await postSigned(h.url, eventEnvelope(mention(marker, 'marker')));
    await settled(h, 2);
    expect(h.handled.map((message) => message.text)).toEqual(['@crosstalk first question', '@crosstalk marker']);
    expect(slack.botReplies(CHANNEL, root)).toHaveLength(1);
  });

  it('in an assistant thread: suggested prompts on start, status while working, a title, the answer', async () => {
    const h = await start();
    const threadTs = newTs();
    await postSigned(h.url, eventEnvelope({
      type: 'assistant_thread_started',
      assistant_thread: { user_id: ASKER, context: {}, channel_id: 'D0ASSIST', thread_ts: threadTs },
      event_ts: threadTs,
    }));
    await waitFor('suggested prompts', () => slack.performed('assistant.threads.setSuggestedPrompts').length === 1);
    const ts = newTs();
    await postSigned(h.url, eventEnvelope({ type: 'message', channel_type: 'im', channel: 'D0ASSIST', user: ASKER, text: 'summarize the incident', ts, thread_ts: threadTs }));
    await settled(h, 1);
    expect(slack.performed('assistant.threads.setStatus').map((call) => call.args.status)).toEqual(['is thinking…', '']);
    expect(slack.performed('assistant.threads.setTitle').map((call) => call.args.title)).toEqual(['summarize the incident']);
    const replies = slack.botReplies('D0ASSIST', threadTs);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('summarize the incident');
  });
});
