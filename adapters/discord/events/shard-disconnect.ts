import type { CloseEvent } from 'discord.js';
import type { DiscordContext } from '../context.js';
import { disconnectMessage } from '../gateway-errors.js';

/** Called only for close codes discord.js will not recover from. */
export function onShardDisconnect(context: DiscordContext, event: CloseEvent, shardId: number): void {
  context.log.error({ shardId, code: event.code }, disconnectMessage(event.code));
}
