// Which Slack event goes where: a dispatch table of Bolt listeners. Events API requests are
// acked by Bolt before any listener runs; commands ack first thing. Nothing here waits for a
// model: the bot's handle() only records and queues.
import { Assistant, type App } from '@slack/bolt';
import type { Logger } from '../../../src/logger.js';
import type { ThreadMemory } from '../thread-memory.js';
import type { MessageIntake } from './message-intake.js';
import type { SlackMessage } from './normalize.js';
import { takeSlashCommand, type SlashCommandDeps } from './slash-commands.js';

export interface ListenerDeps extends SlashCommandDeps {
  intake: MessageIntake;
  memory: ThreadMemory;
  logger: Logger;
  /** Remembers each workspace's enterprise, for OAuth lookups outside a request. */
  noteEnterprise(teamId: string, enterpriseId: string | undefined): void;
}

/** The events the code subscribes to; manifest.yml must declare exactly these. */
export const SLACK_EVENTS = ['app_mention', 'message.channels', 'message.groups', 'message.im', 'assistant_thread_started', 'assistant_thread_context_changed'] as const;

const SUGGESTED_PROMPTS = [
  { title: 'Ask the team knowledge', message: 'What is our deploy process?' },
  { title: 'Catch up on a thread', message: 'Summarize what was decided in this thread.' },
  { title: 'Find a document', message: 'Where is the on-call runbook?' },
];
const TITLE_CHARS = 60;

interface EventContext {
  teamId?: string;
  enterpriseId?: string;
  botUserId?: string;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  const take = async (event: SlackMessage, context: EventContext, body: { team_id?: string }, extra: { assistant?: boolean } = {}) => {
    const teamId = context.teamId ?? body.team_id;
    if (!teamId) return deps.logger.warn('a Slack event without a team id was ignored');
    deps.noteEnterprise(teamId, context.enterpriseId);
    return deps.intake.take(event, teamId, context.botUserId, extra);
  };

  app.assistant(
    new Assistant({
      threadStarted: async ({ setSuggestedPrompts, logger }) => {
        await setSuggestedPrompts({ prompts: SUGGESTED_PROMPTS, title: 'Try asking' }).catch((error: unknown) => logger.warn(`could not set suggested prompts: ${String(error)}`));
      },
      // Context (the channel the user is viewing) is not used yet; the default would store it
      // in message metadata with extra Web API calls.
      threadContextChanged: async () => {},
      userMessage: async ({ message, context, body, setTitle, logger }) => {
        const taken = await take(message as SlackMessage, context, body, { assistant: true });
        if (taken && taken.thread.threadId !== taken.id && !deps.memory.get(taken.thread).botReplied) {
          await setTitle(taken.text.split('\n')[0]!.slice(0, TITLE_CHARS)).catch((error: unknown) => logger.warn(`could not set the thread title: ${String(error)}`));
        }
      },
    }),
  );

  app.event('app_mention', async ({ event, context, body }) => void (await take(event as SlackMessage, context, body)));
  app.message(async ({ message, context, body }) => void (await take(message as SlackMessage, context, body)));

  app.command(/.*/u, async ({ command, ack, respond, context }) => {
    await ack();
    deps.noteEnterprise(command.team_id, context.enterpriseId);
    await takeSlashCommand(command, deps, (text) => respond({ text, response_type: 'ephemeral' }));
  });
}
