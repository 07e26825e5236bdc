import type { DiscordContext } from '../context.js';

/** Discord replays the events missed since the last sequence; nothing to fetch. */
export function onShardResume(context: DiscordContext, shardId: number, replayed: number): void {
  context.log.info({ shardId, replayed }, 'gateway session resumed');
}
