// Crosstalk on Discord: a discord.js client with the intents the bot needs, its event
// handlers, slash command registration, and the surface replies go through.
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, Partials, type ClientOptions } from 'discord.js';
import type { Bot } from '../../src/bot.js';
import type { CommandSpec } from '../../src/commands/command.js';
import type { Logger } from '../../src/logger.js';
import type { ChatSurface } from '../../src/model.js';
import { ChannelActivity } from './activity.js';
import { buildCommandDefinitions, registerCommands } from './commands.js';
import type { DiscordContext } from './context.js';
import { attachHandlers } from './events/index.js';
import { disconnectMessage } from './gateway-errors.js';
import { CLOSE_DISALLOWED_INTENTS } from './limits.js';
import { DiscordSurface } from './surface.js';

export interface DiscordSettings {
  token: string;
  applicationId: string;
  /** Register commands in this guild only (instant); globally when unset. */
  guildId: string | undefined;
  /** REST base URL, e.g. `http://127.0.0.1:PORT/api`; the gateway URL comes from its `GET /gateway/bot`. */
  apiUrl: string | undefined;
  /** Total shards across every process; unset: Discord's recommended count, all in this process. */
  shardCount: number | undefined;
  /** The shard ids this process runs (needs `shardCount`); unset: every shard. */
  shards: readonly number[] | undefined;
}

export interface DiscordAdapterOptions extends DiscordSettings {
  botName: string;
  bot: Bot;
  commands: readonly CommandSpec[];
  logger: Logger;
}

export interface RunningDiscord {
  surface: ChatSurface;
  stop(): Promise<void>;
  /** False while the gateway connection is down (GET /readyz). */
  connected(): boolean;
}

export class DiscordStartError extends Error {
  override name = 'DiscordStartError';
}

function clientOptions(settings: DiscordSettings): ClientOptions {
  return {
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
      GatewayIntentBits.DirectMessages,
    ],
    // DM channels are not in the cache until their first message arrives.
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    rest: settings.apiUrl ? { api: settings.apiUrl } : {},
    ...shardOptions(settings),
  };
}

/**
 * Always explicit, because discord.js otherwise takes its shards from the SHARDS and SHARD_COUNT
 * variables a ShardingManager sets, and configuration is read in one place (src/config.ts).
 */
function shardOptions({ shardCount, shards }: DiscordSettings): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (!shardCount) return { shards: 'auto' };
  return { shardCount, shards: shards ? [...shards] : Array.from({ length: shardCount }, (_, id) => id) };
}

function createClient(settings: DiscordSettings): Client {
  const client = new Client(clientOptions(settings));
  // The constructor replaces a shardCount equal to its default (1) with the environment's SHARD_COUNT.
  if (settings.shardCount) client.options.shardCount = settings.shardCount;
  return client;
}

/** Connects to the gateway and starts answering; rejects with an operator-readable error. */
export async function startDiscord(options: DiscordAdapterOptions): Promise<RunningDiscord> {
  const log = options.logger.child({ platform: 'discord' });
  const client = createClient(options);
  const names = () => ({ botUserId: client.user?.id ?? '', botName: options.botName });
  const surface = new DiscordSurface(client, names);
  const context: DiscordContext = {
    client,
    bot: options.bot,
    surface,
    activity: new ChannelActivity(),
    log,
    names,
    readyShards: new Set(),
  };
  const detach = attachHandlers(client, context);

  let fatalClose: number | undefined;
  client.on(Events.ShardDisconnect, (event) => (fatalClose = event.code));
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord.js error'));
  guardPackets(client, log);
  try {
    const ready = once(client, Events.ClientReady);
    await client.login(options.token);
    await ready;
  } catch (error) {
    detach();
    await client.destroy();
    if (fatalClose !== undefined) throw new DiscordStartError(disconnectMessage(fatalClose), { cause: error });
    if ((error as Error).message?.includes('disallowed intents')) {
      throw new DiscordStartError(disconnectMessage(CLOSE_DISALLOWED_INTENTS), { cause: error });
    }
    throw new DiscordStartError(`Could not connect to Discord: ${(error as Error).message}. Check DISCORD_TOKEN and the network.`, {
      cause: error,
    });
  }
  log.info({ user: client.user?.tag, shards: client.options.shards, shardCount: client.options.shardCount }, 'connected to Discord');

  try {
    log.info(await registerCommands(options, buildCommandDefinitions(options.commands, options.botName), client.rest));
  } catch (error) {
    log.warn({ err: error }, 'could not register slash commands; run `npm run crosstalk -- discord register` to retry');
  }

  return {
    surface,
    connected: () => client.isReady(),
    async stop() {
      detach();
      // Replies in flight still need the connection.
      await options.bot.idle();
      await client.destroy();
    },
  };
}

/** `crosstalk discord register`: replaces the application's slash commands. */
export async function registerDiscordCommands(settings: DiscordSettings, commands: readonly CommandSpec[], botName: string): Promise<string> {
  return registerCommands(settings, buildCommandDefinitions(commands, botName));
}

/**
 * discord.js builds its objects from gateway packets inside an async listener, so a malformed
 * packet (a field missing or of the wrong type) becomes an unhandled rejection, which stops Node.
 * Drop such a packet with a warning that names it instead.
 */
function guardPackets(client: Client, log: Logger): void {
  const manager = client.ws as unknown as { handlePacket(packet: { t?: unknown } | undefined, shard: unknown): boolean };
  const handle = manager.handlePacket.bind(manager);
  manager.handlePacket = (packet, shard) => {
    try {
      return handle(packet, shard);
    } catch (error) {
      log.warn({ event: String(packet?.t), problem: (error as Error).message }, `dropped a malformed ${String(packet?.t)} gateway event: ${(error as Error).message}`);
      return true;
    }
  };
}

