// Slack end to end over Socket Mode: the app started as users start it with SLACK_APP_TOKEN (no
// signing secret, no HTTP receiver). The real Bolt SocketModeReceiver asks the fake Web API's
// apps.connections.open for a URL, connects to the local Socket Mode server and acks each
// envelope it takes; replies go through the fake Web API, which keeps what a user would see.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { echoLastUserMessage, startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { FAKE_BOT_USER, FAKE_TEAM, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import type { FakeSocketMode, SocketModeAck } from '../fakes/slack-socket-mode.js';
import { eventEnvelope, newTs, settled, startSlackHarness, waitFor, type SlackHarness } from './slack-harness.js';

const APP_TOKEN = 'xapp-1-A0FAKE-1-0123456789abcdef';
const CHANNEL = 'C0ENG';
const ASKER = 'U0DANA';

let slack: FakeSlackApi;
let socket: FakeSocketMode;
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

/** The app on Socket Mode: the app-level token set, the signing secret not. */
async function start(): Promise<SlackHarness> {
  slack = await startFakeSlackApi();
  slack.setUser(ASKER, 'dana');
  socket = await slack.enableSocketMode();
  harness = await startSlackHarness({ slack, openaiUrl: openai.url, env: { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '' } });
  return harness;
}

const deliverMention = (ts: string, text: string, eventId?: string) =>
  socket.deliverEvent(JSON.parse(eventEnvelope({ type: 'app_mention', user: ASKER, text: `<@${FAKE_BOT_USER}> ${text}`, ts, channel: CHANNEL }, eventId)) as Record<string, unknown>);

const ackOf = (envelopeId: string): Promise<SocketModeAck> =>
  waitFor(`the ack of envelope ${envelopeId}`, () => socket.acks.find((ack) => ack.envelopeId === envelopeId));

const acksOf = (envelopeId: string) => socket.acks.filter((ack) => ack.envelopeId === envelopeId);

/** Holds every model answer until `release()`: whatever happens meanwhile did not wait for the model. */
function holdTheModel(): { release(): void } {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  openai.respond(async (body) => {
    await held;
    return echoLastUserMessage(body);
  });
  return { release };
}

describe('Slack adapter, end to end over Socket Mode', () => {
  it('connects with the app-level token, acks a mention before the model answers, and replies once in its thread', async () => {
    const h = await start();
    expect(slack.performed('apps.connections.open').map((call) => call.token)).toEqual([APP_TOKEN]);
    expect(socket.connections).toHaveLength(1);
    expect(h.platform.connected?.()).toBe(true);
    // No HTTP receiver: events come only over the socket.
    expect((await fetch(`${h.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);

    const model = holdTheModel();
    const ts = newTs();
    const envelope = deliverMention(ts, 'what is our deploy process?');
    expect((await ackOf(envelope)).payload).toEqual({});
    model.release();
    await settled(h, 1);

    const replies = slack.botReplies(CHANNEL, ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('fake answer to:');
    expect(replies[0]!.text).toContain('what is our deploy process?');
    expect(replies[0]!.streaming).toBe(false);
    expect(acksOf(envelope)).toHaveLength(1);
  });

  it('gives no second reply when Slack redelivers the event (retry_attempt 1, a new envelope id) while the first is being answered', async () => {
    const h = await start();
    const model = holdTheModel();
    const ts = newTs();
    const first = deliverMention(ts, 'how do I roll back?', 'EvSOCKET1');
    await ackOf(first);
    const retry = socket.redeliver(first);
    expect(retry).not.toBe(first);
    expect(socket.sent.at(-1)).toMatchObject({ retry_attempt: 1, retry_reason: 'timeout', payload: { event_id: 'EvSOCKET1', event: { ts } } });
    await ackOf(retry);
    model.release();
    await settled(h, 2);

    expect(h.handled.map((message) => message.id)).toEqual([ts, ts]);
    const replies = slack.botReplies(CHANNEL, ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('how do I roll back?');
    expect([...acksOf(first), ...acksOf(retry)]).toHaveLength(2);
  });

  it('reconnects through apps.connections.open when Slack asks for a refresh, and answers a mention sent after it once', async () => {
    const h = await start();
    socket.requestRefresh();
    await waitFor('a second connection', () => socket.connections.length === 2 && socket.isLive());
    expect(socket.connections[0]!.closeCode).toBe(1000);
    expect(slack.performed('apps.connections.open').map((call) => call.token)).toEqual([APP_TOKEN, APP_TOKEN]);
    expect(h.platform.connected?.()).toBe(true);

    const ts = newTs();
    const envelope = deliverMention(ts, 'are you still there?');
    await ackOf(envelope);
    await settled(h, 1);
    const replies = slack.botReplies(CHANNEL, ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('are you still there?');
  });

  it('reconnects when the network drops its first apps.connections.open call of the reconnect', async () => {
    const h = await start();
    slack.dropNext('apps.connections.open');
    socket.requestRefresh();
    await waitFor('a second connection', () => socket.connections.length === 2 && socket.isLive());
    expect(slack.calls.filter((call) => call.method === 'apps.connections.open').map((call) => call.status)).toEqual([200, 0, 200]);

    const ts = newTs();
    await ackOf(deliverMention(ts, 'back again?'));
    await settled(h, 1);
    expect(slack.botReplies(CHANNEL, ts)).toHaveLength(1);
  });

  it('acks `/ask something` before the model answers, then answers in the thread of the command', async () => {
    const h = await start();
    const model = holdTheModel();
    const envelope = socket.deliverSlashCommand({
      token: 'unused',
      team_id: FAKE_TEAM,
      team_domain: 'fake',
      channel_id: CHANNEL,
      channel_name: 'eng',
      user_id: ASKER,
      user_name: 'dana',
      command: '/ask',
      text: 'something',
      api_app_id: 'A0FAKE',
      is_enterprise_install: 'false',
      response_url: `${slack.url.replace(/\/api\/$/u, '')}/commands/response`,
      trigger_id: 'TRIG.SOCKET.1',
    });
    expect((await ackOf(envelope)).payload).toEqual({});
    model.release();
    await settled(h, 1);

    const root = slack.messages(CHANNEL).find((message) => message.text.includes('/ask something'));
    expect(root?.thread_ts).toBeUndefined();
    const replies = slack.botReplies(CHANNEL, root!.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('something');
    expect(acksOf(envelope)).toHaveLength(1);
  });

  it('stops cleanly: stop resolves once the socket is closed, with a close frame', async () => {
    const h = await start();
    await h.platform.stop();
    // Set when the client has finished closing (the close handshake done, the socket destroyed).
    expect(h.platform.connected?.()).toBe(false);
    const closed = await waitFor('the server to see the connection closed', () => socket.connections[0]!.closeCode);
    expect(closed).toBe(1000);
  });
});
