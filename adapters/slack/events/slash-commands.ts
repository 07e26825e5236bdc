// Slash commands → the shared command registry. Acked at once; then the bot posts a root
// message for the command in the channel, so the answer (and any follow-up) has a real thread.
import type { Bot } from '../../../src/bot.js';
import type { CommandRegistry } from '../../../src/commands/registry.js';
import type { Logger } from '../../../src/logger.js';
import type { ChatSurface } from '../../../src/model.js';
import type { ThreadMemory } from '../thread-memory.js';
import { slackErrorCode } from '../web-api/calls.js';
import { stringFieldProblem } from './payload-fields.js';

/** What Slack sends for a slash command (the fields read here). */
export interface SlashCommandPayload {
  command: string;
  text: string;
  user_id: string;
  user_name: string;
  channel_id: string;
  team_id: string;
  trigger_id: string;
}

/** Why a slash command form cannot be read as a SlashCommandPayload, or undefined when it can. */
export function slashCommandProblem(form: Record<string, unknown>): string | undefined {
  return stringFieldProblem(form, ['command', 'text', 'user_id', 'user_name', 'channel_id', 'team_id', 'trigger_id'], ['response_url']);
}

/**
 * The slash commands the Slack app declares: each registry command, and `/<botName> <command>`
 * for all of them. `help` is reached as `/<botName> help`: a bare `/help` is too generic to
 * claim in a workspace.
 */
export function slackSlashCommands(commands: CommandRegistry, botName: string): string[] {
  return [...commands.list().map((command) => command.name).filter((name) => name !== 'help'), botName].map((name) => `/${name}`);
}

export interface SlashCommandDeps {
  bot: Bot;
  surface: ChatSurface;
  memory: ThreadMemory;
  botName: string;
  logger: Logger;
}

export async function takeSlashCommand(
  payload: SlashCommandPayload,
  deps: SlashCommandDeps,
  respond: (text: string) => Promise<unknown>,
): Promise<void> {
  const name = payload.command.replace(/^\//u, '');
  const args = payload.text.trim();
  const channel = { platform: 'slack' as const, workspaceId: payload.team_id, channelId: payload.channel_id };
  let root;
  try {
    // Markdown in, like every post: the user's text shows as typed.
    root = await deps.surface.postToChannel(channel, `@${payload.user_name} used \`/${name}${args ? ` ${args}` : ''}\``);
  } catch (error) {
    const code = slackErrorCode(error);
    deps.logger.warn({ err: error, command: name, channel: payload.channel_id }, 'could not post the command in its channel');
    const hint =
      code === 'not_in_channel' || code === 'channel_not_found'
        ? `I am not in this conversation: invite me with /invite @${deps.botName}, or use /${name} in a channel I am in.`
        : `Sorry, I could not post here (${code ?? 'Slack did not answer'}). Try again in a moment.`;
    await respond(hint).catch(() => {});
    return;
  }
  deps.memory.note(root.thread, { recipient: { userId: payload.user_id, teamId: payload.team_id }, lastAskTs: root.id });
  await deps.bot.handle(
    {
      id: payload.trigger_id,
      thread: root.thread,
      author: { id: payload.user_id, name: payload.user_name, isBot: false },
      text: `/${name}${args ? ` ${args}` : ''}`,
      kind: 'command',
      command: { name, args },
      receivedAt: new Date(),
    },
    deps.surface,
  );
}
