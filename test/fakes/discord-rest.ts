// A local Discord: the REST routes discord.js calls (API v10, under `<url>/api`), backed by a
// small world of two guilds, their channels, threads, DMs and messages, plus the fake gateway that
// delivers the events (a guild's to the session of its shard). Every REST call is recorded; 429s with retry_after can be switched on.
// Messages the bot posts come back to it as MESSAGE_CREATE, as on Discord.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeGateway, type FakeGateway } from './discord-gateway.js';

const DISCORD_EPOCH = 1_420_070_400_000n;
export const APPLICATION_ID = '200000000000000001';
export const GUILD_ID = '300000000000000001';
export const GENERAL_CHANNEL_ID = '300000000000000002';
export const RANDOM_CHANNEL_ID = '300000000000000003';
export const ONCALL_ROLE_ID = '300000000000000004';
/** A second guild; with two shards it is on shard 1, and GUILD_ID on shard 0. */
export const OTHER_GUILD_ID = '310000000000000001';
export const OTHER_GENERAL_CHANNEL_ID = '310000000000000002';

export interface FakeUser {
  id: string;
  username: string;
  global_name: string | null;
  discriminator: string;
  avatar: null;
  bot: boolean;
}

const user = (id: string, username: string, bot = false): FakeUser => ({ id, username, global_name: null, discriminator: '0', avatar: null, bot });
export const BOT_USER = user('100000000000000001', 'crosstalk', true);
export const ALICE = user('100000000000000002', 'alice');
export const BOB = user('100000000000000003', 'bob');
export const OTHER_BOT = user('100000000000000004', 'deploybot', true);

export interface RestCall {
  method: string;
  /** Path after `/api/v10`, e.g. `/channels/123/messages`. */
  path: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  status: number;
  at: number;
}

export interface RateLimitStorm {
  route: RegExp;
  share: number;
  globalShare: number;
  retryAfterSeconds: number;
  random: () => number;
  /** Counts the 429s served, by kind. */
  served: { local: number; global: number };
}

// Discord's JSON objects, as loosely as the fake needs them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface FakeDiscord {
  /** REST base for DISCORD_API_URL / discord.js `rest.api`. */
  apiUrl: string;
  token: string;
  gateway: FakeGateway;
  calls: RestCall[];
  /** The next `count` requests matching `route` (method and path regex) get 429 with `retryAfterSeconds`. */
  rateLimitNext(route: RegExp, count: number, retryAfterSeconds: number): void;
  /**
   * Until the returned function is called, each request matching `route` gets a 429 with
   * probability `share` (from `random`), of which a `globalShare` are global rate limits.
   */
  rateLimitStorm(storm: RateLimitStorm): () => void;
  /** A user posts `content` in a channel (a thread or DM channel too); delivered unless `silently`. */
  say(channelId: string, author: FakeUser, content: string, options?: { replyTo?: string; silently?: boolean }): Json;
  /** A user starts a thread on `messageId` (its id is the message's). */
  userThread(channelId: string, messageId: string, owner: FakeUser, name: string): Json;
  /** The DM channel between the bot and `recipient`. */
  dmChannel(recipient: FakeUser): Json;
  /** A user runs a slash command; returns the interaction id. */
  slashCommand(channelId: string, author: FakeUser, name: string, options?: Json[]): string;
  channel(id: string): Json | undefined;
  /** Messages of a channel, oldest first, as they read now (edits applied, deletions gone). */
  messages(channelId: string): Json[];
  /** The bot's messages in a channel, oldest first. */
  botMessages(channelId: string): Json[];
  /** The response shown for an interaction (its deferred reply once edited) and its follow-ups. */
  interactionMessages(interactionId: string): Json[];
  close(): Promise<void>;
}

export interface FakeDiscordOptions {
  /** The shard count `GET /gateway/bot` recommends; 1 unless set. */
  recommendedShards?: number;
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  let counter = 0n;
  const snowflake = () => (((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (counter++ & 0x3fffffn)).toString();
  const users = new Map([BOT_USER, ALICE, BOB, OTHER_BOT].map((u) => [u.id, u]));
  const channels = new Map<string, Json>();
  const messages = new Map<string, Json[]>();
  const interactions = new Map<string, { id: string; token: string; channelId: string; user: FakeUser; messageIds: string[] }>();
  const calls: RestCall[] = [];
  const limits: { route: RegExp; count: number; retryAfter: number }[] = [];
  const storms: RateLimitStorm[] = [];
  const token = 'fake-bot-token';

  const textChannel = (guildId: string, id: string, name: string, position: number) => ({
    id, type: 0, guild_id: guildId, name, position, permission_overwrites: [], parent_id: null, nsfw: false, topic: null, last_message_id: null, rate_limit_per_user: 0,
  });
  channels.set(GENERAL_CHANNEL_ID, textChannel(GUILD_ID, GENERAL_CHANNEL_ID, 'general', 0));
  channels.set(RANDOM_CHANNEL_ID, textChannel(GUILD_ID, RANDOM_CHANNEL_ID, 'random', 1));
  channels.set(OTHER_GENERAL_CHANNEL_ID, textChannel(OTHER_GUILD_ID, OTHER_GENERAL_CHANNEL_ID, 'general', 0));
  const role = (id: string, name: string, position: number, permissions: string, mentionable: boolean) => ({
    id, name, color: 0, hoist: false, position, permissions, managed: false, mentionable, flags: 0,
  });
  // A guild's @everyone role has the guild's id.
  const roles = new Map([
    [GUILD_ID, [role(GUILD_ID, '@everyone', 0, '1024', false), role(ONCALL_ROLE_ID, 'oncall', 1, '0', true)]],
    [OTHER_GUILD_ID, [role(OTHER_GUILD_ID, '@everyone', 0, '1024', false)]],
  ]);
  const member = (u: FakeUser) => ({ user: u, roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0, nick: null });
  const guildNames = new Map([[GUILD_ID, 'Acme'], [OTHER_GUILD_ID, 'Globex']]);
  /** A guild as REST's GET /guilds/:id returns it. */
  const guild = (id: string) => ({
    id, name: guildNames.get(id), owner_id: ALICE.id, roles: roles.get(id), emojis: [], stickers: [], features: [],
    premium_tier: 0, preferred_locale: 'en-US', system_channel_flags: 0, verification_level: 0,
    default_message_notifications: 0, explicit_content_filter: 0, mfa_level: 0, nsfw_level: 0, afk_timeout: 300,
  });
  /** A guild as GUILD_CREATE carries it: with its members, channels and threads. */
  const guildCreate = (id: string) => ({
    ...guild(id), unavailable: false, member_count: 4, large: false, joined_at: new Date(0).toISOString(), members: [...users.values()].map(member),
    channels: [...channels.values()].filter((c) => c.guild_id === id && c.type === 0),
    threads: [...channels.values()].filter((c) => c.guild_id === id && c.type === 11),
    presences: [], voice_states: [], stage_instances: [], guild_scheduled_events: [],
  });

  const gateway = await startFakeGateway({
    heartbeatIntervalMs: 5_000,
    readyPayloads: (sessionId, resumeUrl) => ({
      ready: { v: 10, user: BOT_USER, session_id: sessionId, resume_gateway_url: resumeUrl, application: { id: APPLICATION_ID, flags: 0 }, private_channels: [] },
      guilds: [...guildNames.keys()].map(guildCreate),
    }),
  });

  function messagePayload(channelId: string, author: FakeUser, content: string, extra: Json = {}): Json {
    const channel = channels.get(channelId);
    const mentioned = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => users.get(m[1]!)).filter(Boolean);
    const guildId = channel?.guild_id;
    return {
      id: snowflake(), channel_id: channelId, author, content, timestamp: new Date().toISOString(), edited_timestamp: null,
      tts: false, mention_everyone: false, mentions: guildId ? mentioned.map((u) => ({ ...u, member: member(u!) })) : mentioned,
      mention_roles: [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]), attachments: [], embeds: [], pinned: false,
      type: 0, flags: 0, components: [], ...(guildId ? { guild_id: guildId } : {}), ...extra,
    };
  }

  function store(message: Json): void {
    const list = messages.get(message.channel_id) ?? [];
    list.push(message);
    messages.set(message.channel_id, list);
  }

  function deliver(message: Json): void {
    const { guild_id: guildId } = message;
    const channelType = channels.get(message.channel_id)?.type;
    gateway.dispatch('MESSAGE_CREATE', { ...message, channel_type: channelType, ...(guildId ? { member: member(message.author) } : {}) });
  }

  function findMessage(channelId: string, id: string): Json | undefined {
    return messages.get(channelId)?.find((m) => m.id === id && !m.deleted);
  }

  // --- REST routes --------------------------------------------------------------------------------
  type Handler = (match: RegExpExecArray, body: Json, query: URLSearchParams) => [number, Json?];
  const routes: [string, RegExp, Handler][] = [
    ['GET', /^\/gateway\/bot$/, () => [200, { url: gateway.url, shards: options.recommendedShards ?? 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } }]],
    ['GET', /^\/users\/@me$/, () => [200, BOT_USER]],
    ['GET', /^\/guilds\/(\d+)$/, ([, id]) => (guildNames.has(id!) ? [200, guild(id!)] : [404, { message: 'Unknown Guild', code: 10004 }])],
    ['GET', /^\/channels\/(\d+)$/, ([, id]) => (channels.has(id!) ? [200, channels.get(id!)] : [404, { message: 'Unknown Channel', code: 10003 }])],
    ['GET', /^\/channels\/(\d+)\/messages$/, ([, id], _body, query) => {
      if (!channels.has(id!)) return [404, { message: 'Unknown Channel', code: 10003 }];
      let list = (messages.get(id!) ?? []).filter((m) => !m.deleted);
      const after = query.get('after');
      const before = query.get('before');
      const limit = Number(query.get('limit') ?? 50);
      if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after)).slice(0, limit);
      else if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before)).slice(-limit);
      else list = list.slice(-limit);
      return [200, [...list].reverse()];
    }],
    ['GET', /^\/channels\/(\d+)\/messages\/(\d+)$/, ([, channelId, id]) => {
      const found = findMessage(channelId!, id!);
      return found ? [200, found] : [404, { message: 'Unknown Message', code: 10008 }];
    }],
    ['POST', /^\/channels\/(\d+)\/messages$/, ([, channelId], body) => {
      if (!channels.has(channelId!)) return [404, { message: 'Unknown Channel', code: 10003 }];
      if (typeof body.content !== 'string' || body.content.length === 0 || body.content.length > 2000) {
        return [400, { message: 'Invalid Form Body', code: 50035, errors: { content: body.content } }];
      }
      const message = messagePayload(channelId!, BOT_USER, body.content);
      store(message);
      deliver(message);
      return [200, message];
    }],
    ['PATCH', /^\/channels\/(\d+)\/messages\/(\d+)$/, ([, channelId, id], body) => {
      const found = findMessage(channelId!, id!);
      if (!found) return [404, { message: 'Unknown Message', code: 10008 }];
      if (typeof body.content !== 'string' || body.content.length > 2000) return [400, { message: 'Invalid Form Body', code: 50035 }];
      found.content = body.content;
      found.edited_timestamp = new Date().toISOString();
      return [200, found];
    }],
    ['DELETE', /^\/channels\/(\d+)\/messages\/(\d+)$/, ([, channelId, id]) => {
      const found = findMessage(channelId!, id!);
      if (found) found.deleted = true;
      return [204];
    }],
    ['POST', /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/, ([, channelId, id], body) => {
      if (channels.has(id!)) return [400, { message: 'A thread has already been created for this message', code: 160004 }];
      if (!findMessage(channelId!, id!)) return [404, { message: 'Unknown Message', code: 10008 }];
      const thread = threadPayload(channelId!, id!, BOT_USER, body.name);
      gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
      return [201, thread];
    }],
    ['POST', /^\/channels\/(\d+)\/typing$/, () => [204]],
    ['POST', /^\/interactions\/(\d+)\/([^/]+)\/callback$/, ([, id]) => (interactions.has(id!) ? [204] : [404, { message: 'Unknown interaction', code: 10062 }])],
    ['PATCH', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/, ([, , token, which], body) => {
      const interaction = [...interactions.values()].find((i) => i.token === token);
      if (!interaction) return [404, { message: 'Unknown Webhook', code: 10015 }];
      if (typeof body.content !== 'string' || body.content.length > 2000) return [400, { message: 'Invalid Form Body', code: 50035 }];
      let id = which === '@original' ? interaction.messageIds[0] : which;
      if (!id) {
        const message = messagePayload(interaction.channelId, BOT_USER, body.content, { interaction_metadata: { id: interaction.id, type: 2, user: interaction.user, authorizing_integration_owners: {} } });
        store(message);
        interaction.messageIds.push(message.id);
        id = message.id;
      }
      const found = findMessage(interaction.channelId, id!);
      if (!found) return [404, { message: 'Unknown Message', code: 10008 }];
      found.content = body.content;
      return [200, found];
    }],
    ['POST', /^\/webhooks\/(\d+)\/([^/]+)$/, ([, , token], body) => {
      const interaction = [...interactions.values()].find((i) => i.token === token);
      if (!interaction) return [404, { message: 'Unknown Webhook', code: 10015 }];
      const message = messagePayload(interaction.channelId, BOT_USER, body.content, { webhook_id: APPLICATION_ID });
      store(message);
      interaction.messageIds.push(message.id);
      return [200, message];
    }],
    ['DELETE', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(\d+)$/, ([, , token, id]) => {
      const interaction = [...interactions.values()].find((i) => i.token === token);
      const found = interaction && findMessage(interaction.channelId, id!);
      if (found) found.deleted = true;
      return [204];
    }],
    ['PUT', /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/, ([, appId], body) => [
      200,
      (body as Json[]).map((command) => ({ ...command, id: snowflake(), application_id: appId, version: snowflake(), type: 1 })),
    ]],
  ];

  function threadPayload(parentId: string, id: string, owner: FakeUser, name: string): Json {
    const thread = {
      id, type: 11, guild_id: channels.get(parentId)?.guild_id, parent_id: parentId, owner_id: owner.id, name, last_message_id: null, rate_limit_per_user: 0,
      message_count: 0, member_count: 1, flags: 0, total_message_sent: 0,
      thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
    };
    channels.set(id, thread);
    return thread;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = raw && (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(raw) : {};
      const reply = (status: number, payload?: Json, headers: Record<string, string> = {}) => {
        calls.push({ method: req.method ?? 'GET', path, body, status, at: Date.now() });
        if (payload === undefined) {
          res.writeHead(status, headers);
          return res.end();
        }
        const text = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(text);
      };
      const isInteraction = path.startsWith('/interactions/') || path.startsWith('/webhooks/');
      if (!isInteraction && path !== '/gateway/bot' && req.headers.authorization !== `Bot ${token}`) {
        return reply(401, { message: '401: Unauthorized', code: 0 });
      }
      const limit = limits.find((l) => l.count > 0 && l.route.test(`${req.method} ${path}`));
      if (limit) {
        limit.count--;
        return reply(
          429,
          { message: 'You are being rate limited.', retry_after: limit.retryAfter, global: false },
          { 'retry-after': String(limit.retryAfter), 'x-ratelimit-scope': 'user', 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': String(limit.retryAfter), 'x-ratelimit-bucket': 'fake-bucket' },
        );
      }
      const storm = storms.find((candidate) => candidate.route.test(`${req.method} ${path}`));
      if (storm && storm.random() < storm.share) {
        const retryAfter = storm.retryAfterSeconds;
        // A global limit stops every request of the bot; its headers carry no bucket.
        if (storm.random() < storm.globalShare) {
          storm.served.global++;
          return reply(429, { message: 'You are being rate limited.', retry_after: retryAfter, global: true }, { 'retry-after': String(retryAfter), 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' });
        }
        storm.served.local++;
        return reply(
          429,
          { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
          { 'retry-after': String(retryAfter), 'x-ratelimit-scope': 'user', 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': String(retryAfter), 'x-ratelimit-bucket': 'fake-bucket' },
        );
      }
      for (const [method, pattern, handler] of routes) {
        const match = method === req.method ? pattern.exec(path) : null;
        if (match) {
          const [status, payload] = handler(match, body, url.searchParams);
          return reply(status, payload);
        }
      }
      reply(404, { message: `The fake Discord has no route ${req.method} ${path}`, code: 0 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;

  return {
    apiUrl,
    token,
    gateway,
    calls,
    rateLimitNext(route, count, retryAfterSeconds) {
      limits.push({ route, count, retryAfter: retryAfterSeconds });
    },
    rateLimitStorm(storm) {
      storms.push(storm);
      return () => void storms.splice(storms.indexOf(storm), 1);
    },
    say(channelId, author, content, options = {}) {
      const reference = options.replyTo
        ? { message_reference: { message_id: options.replyTo, channel_id: channelId, guild_id: channels.get(channelId)?.guild_id }, type: 19 }
        : {};
      const message = messagePayload(channelId, author, content, reference);
      store(message);
      if (!options.silently) deliver(message);
      return message;
    },
    userThread(channelId, messageId, owner, name) {
      const thread = threadPayload(channelId, messageId, owner, name);
      gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
      return thread;
    },
    dmChannel(recipient) {
      const id = `4${recipient.id.slice(1)}`;
      if (!channels.has(id)) channels.set(id, { id, type: 1, recipients: [recipient], last_message_id: null, flags: 0 });
      return channels.get(id);
    },
    slashCommand(channelId, author, name, options = []) {
      const id = snowflake();
      const interactionToken = `interaction-token-${id}`;
      interactions.set(id, { id, token: interactionToken, channelId, user: author, messageIds: [] });
      const channel = channels.get(channelId);
      gateway.dispatch('INTERACTION_CREATE', {
        id, application_id: APPLICATION_ID, type: 2, token: interactionToken, version: 1,
        data: { id: snowflake(), name, type: 1, options },
        channel_id: channelId, channel, app_permissions: '309237713920', locale: 'en-US', entitlements: [],
        authorizing_integration_owners: {}, context: channel?.guild_id ? 0 : 1,
        ...(channel?.guild_id ? { guild_id: channel.guild_id, guild_locale: 'en-US', member: { ...member(author), permissions: '1024' } } : { user: author }),
      });
      return id;
    },
    channel: (id) => channels.get(id),
    messages: (channelId) => (messages.get(channelId) ?? []).filter((m) => !m.deleted),
    botMessages: (channelId) => (messages.get(channelId) ?? []).filter((m) => !m.deleted && m.author.id === BOT_USER.id),
    interactionMessages(interactionId) {
      const interaction = interactions.get(interactionId);
      if (!interaction) return [];
      return interaction.messageIds.map((id) => findMessage(interaction.channelId, id)).filter(Boolean);
    },
    async close() {
      await gateway.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
