// What every event handler shares: the client, the bot, the surface and what the adapter knows.
import type { Client } from 'discord.js';
import type { Bot } from '../../src/bot.js';
import type { Logger } from '../../src/logger.js';
import type { ChannelActivity } from './activity.js';
import type { NameContext } from './normalize.js';
import type { DiscordSurface } from './surface.js';

export interface DiscordContext {
  client: Client;
  bot: Bot;
  surface: DiscordSurface;
  activity: ChannelActivity;
  log: Logger;
  names(): NameContext;
  /** Shards that have been ready once; a later READY is a new session that missed events. */
  readyShards: Set<number>;
}
