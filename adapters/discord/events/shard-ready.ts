// A shard's first READY starts the session. A later READY means the session could not be
// resumed, so events sent while disconnected are gone: fetch what was posted meanwhile in the
// conversations the bot is part of, and route it like live messages (dedupe drops repeats).
import type { DiscordContext } from '../context.js';
import { HISTORY_PAGE_SIZE } from '../limits.js';
import { routeMessage } from '../route-message.js';

export async function onShardReady(context: DiscordContext, shardId: number): Promise<void> {
  if (!context.readyShards.has(shardId)) {
    context.readyShards.add(shardId);
    return;
  }
  context.log.info({ shardId }, 'new gateway session: fetching messages missed while disconnected');
  for (const [channelId, lastMessageId] of context.activity.channels()) {
    try {
      const channel = await context.client.channels.fetch(channelId);
      if (!channel || !('messages' in channel)) continue;
      const missed = await channel.messages.fetch({ after: lastMessageId, limit: HISTORY_PAGE_SIZE });
      for (const message of [...missed.values()].sort((a, b) => a.createdTimestamp - b.createdTimestamp)) {
        await routeMessage(context, message);
      }
    } catch (error) {
      context.log.warn({ err: error, channelId }, 'could not fetch messages missed while disconnected');
    }
  }
}
