// A local server speaking Slack's Web API wire format (POST /api/<method>, form or JSON bodies,
// `{ ok, ... }` answers), so the real Bolt WebClient can run against it via
// `clientOptions.slackApiUrl`. It keeps the messages it was asked to post, so tests can assert
// what a user would see in a thread, and it records every call with the token it came with. It
// also plays Slack's side of an OAuth install: approving an authorize URL issues a one-time code
// that `oauth.v2.access` exchanges for that workspace's own bot token. With Socket Mode enabled,
// `apps.connections.open` hands an app-level token the URL of the local Socket Mode server.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeSocketMode, type FakeSocketMode } from './slack-socket-mode.js';

export const FAKE_TEAM = 'T0FAKE';
export const FAKE_BOT_USER = 'U0BOT';
export const FAKE_BOT_ID = 'B0BOT';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** The bearer token the call came with (the `Authorization` header, or a `token` argument). */
  token: string | undefined;
  /** HTTP status the fake answered with; 0 when it dropped the connection instead (`dropNext`). */
  status: number;
  at: number;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  user: string;
  bot_id?: string;
  text: string;
  /** True while a native stream is open. */
  streaming?: boolean;
}

/** A workspace that installed the app through OAuth, as Slack sees it. */
export interface FakeSlackInstall {
  teamId: string;
  teamName: string;
  botUserId: string;
  botId: string;
  /** The bot token `oauth.v2.access` hands out for this workspace. */
  token: string;
}

/** What Slack's authorize page gives back when a user clicks Allow: the redirect's query. */
export interface FakeSlackApproval {
  code: string;
  state: string | undefined;
  install: FakeSlackInstall;
}

export interface FakeSlackApi {
  /** Base URL for `slackApiUrl`, ending in `/api/`. */
  url: string;
  calls: RecordedCall[];
  /** Calls of one method that Slack performed (not rate limited), in order. */
  performed(method: string): RecordedCall[];
  /** Every message in the channel, oldest first. */
  messages(channel: string): FakeSlackMessage[];
  /** The bot's messages in a thread (excluding the root), oldest first: what a user sees. */
  botReplies(channel: string, threadTs: string): FakeSlackMessage[];
  /** Puts a message in the channel (e.g. people talking before the bot was mentioned). */
  addMessage(message: Omit<FakeSlackMessage, 'ts'> & { ts?: string }): FakeSlackMessage;
  setUser(id: string, name: string): void;
  /** The next `count` calls of `method` get HTTP 429 with `Retry-After: retryAfterS`. */
  rateLimitNext(method: string, count: number, retryAfterS: number): void;
  /**
   * For `forMs` from now, `share` (0 to 1) of the calls whose method matches `methods` get HTTP 429
   * with `Retry-After: retryAfterS`, spread evenly (deterministic, not random).
   */
  rateLimitStorm(options: { methods: RegExp; share: number; forMs: number; retryAfterS: number }): void;
  /** The next call of `method` fails with `{ ok: false, error }`. */
  failNext(method: string, error: string): void;
  /** The next call of `method` gets no answer: its connection is reset, as in a network failure (recorded with status 0). */
  dropNext(method: string): void;
  /** An app Slack knows: `oauth.v2.access` checks its client id and secret. */
  registerApp(app: { appId: string; clientId: string; clientSecret: string }): void;
  /**
   * A user in `workspace` clicked Allow on `authorizeUrl` (https://slack.com/oauth/v2/authorize?…):
   * a one-time code for that URL's client id, scopes and redirect_uri.
   */
  approveInstall(authorizeUrl: string, workspace: { teamId: string; teamName: string; installerId?: string }): FakeSlackApproval;
  /** The workspace removed the app: calls with its bot token answer `token_revoked`. */
  revokeInstall(teamId: string): void;
  /** Starts Slack's Socket Mode side: from now on `apps.connections.open` answers with its URLs. */
  enableSocketMode(): Promise<FakeSocketMode>;
  close(): Promise<void>;
}

/** How a call identified itself: a bearer token, or an app's client id and secret (HTTP Basic). */
interface Caller {
  token: string | undefined;
  basic: { clientId: string; clientSecret: string } | undefined;
}

type Handler = (args: Record<string, unknown>, caller: Caller) => Record<string, unknown>;

interface PendingCode {
  clientId: string;
  scopes: string;
  redirectUri: string | undefined;
  installerId: string;
  install: FakeSlackInstall;
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const calls: RecordedCall[] = [];
  const messages: FakeSlackMessage[] = [];
  const users = new Map<string, string>([[FAKE_BOT_USER, 'crosstalk']]);
  const rateLimits = new Map<string, { count: number; retryAfterS: number }>();
  const failures = new Map<string, string>();
  const drops = new Set<string>();
  let storm: { methods: RegExp; share: number; until: number; retryAfterS: number; owed: number } | undefined;
  let socketMode: FakeSocketMode | undefined;
  const apps = new Map<string, { appId: string; clientSecret: string }>();
  const codes = new Map<string, PendingCode>();
  const usedCodes = new Set<string>();
  let approvals = 0;
  const installs = new Map<string, FakeSlackInstall>();
  const revokedTokens = new Set<string>();
  const installByToken = (token: string | undefined) => [...installs.values()].find((install) => install.token === token);
  const botUsers = () => new Set([FAKE_BOT_USER, ...[...installs.values()].map((install) => install.botUserId)]);
  let clock = Math.floor(Date.now() / 1000);
  let sequence = 0;
  // Like Slack, a new message's ts is the current time; the sequence keeps ts unique and ordered.
  const nextTs = () => {
    clock = Math.max(clock, Math.floor(Date.now() / 1000));
    return `${clock}.${String(++sequence).padStart(6, '0')}`;
  };
  const find = (channel: unknown, ts: unknown) => messages.find((message) => message.channel === channel && message.ts === ts);
  const text = (value: unknown) => (typeof value === 'string' ? value : '');

  // A message is posted by the bot user whose token made the call.
  const post = (args: Record<string, unknown>, caller: Caller, streaming = false): FakeSlackMessage => {
    const install = installByToken(caller.token);
    const message: FakeSlackMessage = {
      channel: text(args.channel),
      ts: nextTs(),
      user: install?.botUserId ?? FAKE_BOT_USER,
      bot_id: install?.botId ?? FAKE_BOT_ID,
      text: text(args.text) || text(args.markdown_text),
      ...(args.thread_ts ? { thread_ts: text(args.thread_ts) } : {}),
      ...(streaming ? { streaming: true } : {}),
    };
    messages.push(message);
    return message;
  };
  const wire = (message: FakeSlackMessage) => {
    const rest: Partial<FakeSlackMessage> = { ...message };
    delete rest.streaming;
    return { type: 'message', ...rest };
  };

  const handlers: Record<string, Handler> = {
    'auth.test': (_args, caller) => {
      const install = installByToken(caller.token);
      if (!install) return { url: 'https://fake.slack.com/', team: 'Fake', user: 'crosstalk', team_id: FAKE_TEAM, user_id: FAKE_BOT_USER, bot_id: FAKE_BOT_ID };
      return { url: `https://${install.teamId.toLowerCase()}.slack.com/`, team: install.teamName, user: 'crosstalk', team_id: install.teamId, user_id: install.botUserId, bot_id: install.botId, is_enterprise_install: false };
    },
    'oauth.v2.access': (args, caller) => exchangeCode(args, caller),
    // Only an app-level token opens a Socket Mode connection; each answer is a new single-use URL.
    'apps.connections.open': (_args, caller) => {
      if (!caller.token) return { ok: false, error: 'not_authed' };
      if (!caller.token.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
      if (!socketMode) return { ok: false, error: 'invalid_auth' };
      return { url: socketMode.connectionUrl() };
    },
    'chat.postMessage': (args, caller) => {
      if (!args.channel) return { ok: false, error: 'channel_not_found' };
      const message = post(args, caller);
      return { channel: message.channel, ts: message.ts, message: wire(message) };
    },
    'chat.update': (args) => {
      const message = find(args.channel, args.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      message.text = text(args.text) || text(args.markdown_text);
      return { channel: message.channel, ts: message.ts, text: message.text };
    },
    'chat.delete': (args) => {
      const index = messages.findIndex((message) => message.channel === args.channel && message.ts === args.ts);
      if (index < 0) return { ok: false, error: 'message_not_found' };
      messages.splice(index, 1);
      return { channel: args.channel, ts: args.ts };
    },
    'chat.startStream': (args, caller) => {
      if (!args.thread_ts) return { ok: false, error: 'invalid_arguments' };
      if (!String(args.channel).startsWith('D') && (!args.recipient_user_id || !args.recipient_team_id)) return { ok: false, error: 'missing_recipient_user_id' };
      const message = post(args, caller, true);
      return { channel: message.channel, ts: message.ts };
    },
    'chat.appendStream': (args) => {
      const message = find(args.channel, args.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      if (!message.streaming) return { ok: false, error: 'message_not_in_streaming_state' };
      message.text += text(args.markdown_text);
      return { channel: message.channel, ts: message.ts };
    },
    'chat.stopStream': (args) => {
      const message = find(args.channel, args.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      if (!message.streaming) return { ok: false, error: 'message_not_in_streaming_state' };
      message.text += text(args.markdown_text);
      message.streaming = false;
      return { channel: message.channel, ts: message.ts, message: wire(message) };
    },
    'reactions.add': () => ({}),
    'reactions.remove': () => ({}),
    'conversations.replies': (args) => ({
      messages: messages.filter((message) => message.channel === args.channel && (message.ts === args.ts || message.thread_ts === args.ts)).map(wire),
      has_more: false,
    }),
    'conversations.history': (args) => ({
      messages: messages
        .filter((message) => message.channel === args.channel && (!message.thread_ts || message.thread_ts === message.ts) && Number(message.ts) >= Number(args.oldest ?? 0))
        .reverse()
        .map(wire),
      has_more: false,
    }),
    'assistant.threads.setStatus': () => ({}),
    'assistant.threads.setSuggestedPrompts': () => ({}),
    'assistant.threads.setTitle': () => ({}),
    'users.info': (args) => {
      const name = users.get(text(args.user));
      if (!name) return { ok: false, error: 'user_not_found' };
      return { user: { id: args.user, team_id: FAKE_TEAM, name, real_name: name, profile: { display_name: name, real_name: name } } };
    },
  };

  // As Slack: client credentials as form fields or HTTP Basic; a code works once, for its own app.
  function exchangeCode(args: Record<string, unknown>, caller: Caller): Record<string, unknown> {
    const clientId = caller.basic?.clientId ?? text(args.client_id);
    const clientSecret = caller.basic?.clientSecret ?? text(args.client_secret);
    const app = apps.get(clientId);
    if (!app) return { ok: false, error: 'invalid_client_id' };
    if (app.clientSecret !== clientSecret) return { ok: false, error: 'bad_client_secret' };
    const code = text(args.code);
    if (usedCodes.has(code)) return { ok: false, error: 'code_already_used' };
    const pending = codes.get(code);
    if (!pending || pending.clientId !== clientId) return { ok: false, error: 'invalid_code' };
    if (pending.redirectUri !== undefined && pending.redirectUri !== args.redirect_uri) return { ok: false, error: 'bad_redirect_uri' };
    codes.delete(code);
    usedCodes.add(code);
    const { install } = pending;
    installs.set(install.teamId, install);
    return {
      app_id: app.appId,
      authed_user: { id: pending.installerId },
      scope: pending.scopes,
      token_type: 'bot',
      access_token: install.token,
      bot_user_id: install.botUserId,
      team: { id: install.teamId, name: install.teamName },
      enterprise: null,
      is_enterprise_install: false,
    };
  }

  const server = createServer((request, response) => void answer(request, response));
  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/^\/api\//, '');
    const args = parseBody(request.headers['content-type'] ?? '', await readBody(request));
    const caller = callerOf(request.headers.authorization, args);
    const { token } = caller;
    if (drops.delete(method)) {
      calls.push({ method, args, token, status: 0, at: Date.now() });
      return void request.socket.destroy();
    }
    const limit = rateLimits.get(method);
    if (limit && limit.count > 0) {
      limit.count -= 1;
      calls.push({ method, args, token, status: 429, at: Date.now() });
      return send(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.retryAfterS) });
    }
    if (storm && Date.now() < storm.until && storm.methods.test(method)) {
      storm.owed += storm.share;
      if (storm.owed >= 1) {
        storm.owed -= 1;
        calls.push({ method, args, token, status: 429, at: Date.now() });
        return send(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(storm.retryAfterS) });
      }
    }
    calls.push({ method, args, token, status: 200, at: Date.now() });
    if (token && revokedTokens.has(token)) return send(response, 200, { ok: false, error: 'token_revoked' });
    const failure = failures.get(method);
    if (failure) {
      failures.delete(method);
      return send(response, 200, { ok: false, error: failure });
    }
    const handler = handlers[method];
    if (!handler) return send(response, 200, { ok: false, error: 'unknown_method' });
    send(response, 200, { ok: true, ...handler(args, caller) });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    performed: (method) => calls.filter((call) => call.method === method && call.status === 200),
    messages: (channel) => messages.filter((message) => message.channel === channel),
    botReplies: (channel, threadTs) =>
      messages.filter((message) => message.channel === channel && message.thread_ts === threadTs && message.ts !== threadTs && botUsers().has(message.user)),
    addMessage: (message) => {
      clock = Math.max(clock, Math.floor(Number(message.ts ?? 0)));
      const added = { ...message, ts: message.ts ?? nextTs() };
      messages.push(added);
      messages.sort((a, b) => Number(a.ts) - Number(b.ts));
      return added;
    },
    setUser: (id, name) => void users.set(id, name),
    rateLimitNext: (method, count, retryAfterS) => void rateLimits.set(method, { count, retryAfterS }),
    rateLimitStorm: ({ methods, share, forMs, retryAfterS }) => void (storm = { methods, share, until: Date.now() + forMs, retryAfterS, owed: 0 }),
    failNext: (method, error) => void failures.set(method, error),
    dropNext: (method) => void drops.add(method),
    registerApp: ({ appId, clientId, clientSecret }) => void apps.set(clientId, { appId, clientSecret }),
    approveInstall: (authorizeUrl, { teamId, teamName, installerId = 'U0INSTALLER' }) => {
      const query = new URL(authorizeUrl).searchParams;
      const approval = ++approvals;
      const code = `code-${teamId}-${approval}`;
      const suffix = teamId.replace(/^T0?/u, '');
      const install = { teamId, teamName, botUserId: `U0BOT${suffix}`, botId: `B0BOT${suffix}`, token: `xoxb-${teamId}-${approval}` };
      codes.set(code, { clientId: query.get('client_id') ?? '', scopes: query.get('scope') ?? '', redirectUri: query.get('redirect_uri') ?? undefined, installerId, install });
      return { code, state: query.get('state') ?? undefined, install };
    },
    revokeInstall: (teamId) => {
      const install = installs.get(teamId);
      if (install) revokedTokens.add(install.token);
    },
    enableSocketMode: async () => (socketMode ??= await startFakeSocketMode()),
    close: async () => {
      await socketMode?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function callerOf(authorization: string | undefined, args: Record<string, unknown>): Caller {
  const [scheme, credentials] = (authorization ?? '').split(' ');
  if (scheme === 'Basic' && credentials) {
    const [clientId = '', clientSecret = ''] = Buffer.from(credentials, 'base64').toString('utf8').split(':');
    return { token: undefined, basic: { clientId, clientSecret } };
  }
  const token = scheme === 'Bearer' && credentials ? credentials : typeof args.token === 'string' ? args.token : undefined;
  return { token, basic: undefined };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The WebClient sends forms whose nested values are JSON strings; JSON bodies are taken as is. */
function parseBody(contentType: string, body: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return body ? (JSON.parse(body) as Record<string, unknown>) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) args[key] = value;
  return args;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), ...headers });
  response.end(json);
}
