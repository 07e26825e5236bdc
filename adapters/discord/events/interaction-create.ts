// A slash command: deferred first (Discord gives 3 s), then handed to the bot as a command; the
// surface completes the deferred response with the bot's reply.
import { ChannelType, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import type { ChatMessage, ThreadRef } from '../../../src/model.js';
import { commandArgs } from '../commands.js';
import type { DiscordContext } from '../context.js';
import { authorOf, DM_WORKSPACE } from '../normalize.js';

export async function onInteractionCreate(context: DiscordContext, interaction: Interaction): Promise<void> {
  if (!interaction.isChatInputCommand()) return;
  await interaction.deferReply();
  const message = commandMessage(interaction);
  context.surface.expectInteraction(message.thread, interaction);
  await context.bot.handle(message, context.surface);
}

/** In a thread or DM the command joins that conversation; in a channel it roots its own. */
function threadOf(interaction: ChatInputCommandInteraction): ThreadRef {
  const channel = interaction.channel;
  const channelId = interaction.channelId;
  if (!interaction.guildId || channel?.type === ChannelType.DM) {
    return { platform: 'discord', workspaceId: DM_WORKSPACE, channelId, threadId: channelId };
  }
  if (channel?.isThread()) {
    return { platform: 'discord', workspaceId: interaction.guildId, channelId: channel.parentId ?? channelId, threadId: channelId };
  }
  return { platform: 'discord', workspaceId: interaction.guildId, channelId, threadId: interaction.id };
}

function commandMessage(interaction: ChatInputCommandInteraction): ChatMessage {
  const args = commandArgs(interaction.options.data);
  const member = interaction.member && 'displayName' in interaction.member ? interaction.member.displayName : undefined;
  return {
    id: interaction.id,
    thread: threadOf(interaction),
    author: authorOf(interaction.user, member),
    text: `/${interaction.commandName}${args ? ` ${args}` : ''}`,
    kind: 'command',
    command: { name: interaction.commandName, args },
    receivedAt: interaction.createdAt,
  };
}
