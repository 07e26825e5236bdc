// Which Slack event goes where: a dispatch table of Bolt listeners. Events API requests are
// acked by Bolt before any listener runs; commands ack first thing. Nothing here waits for a
// model: the bot's handle() only records and queues.
import { Assistant, type App } from '@slack/bolt';
import type { Logger } from '../../../src/logger.js';
import type { ForgetWorkspace } from '../oauth/removed-workspaces.js';
import type { ThreadMemory } from '../thread-memory.js';
import type { MessageIntake } from './message-intake.js';
import { messageProblem, type SlackMessage } from './normalize.js';
import { notAString, warnDropped } from './payload-fields.js';
import { slashCommandProblem, takeSlashCommand, type SlashCommandDeps } from './slash-commands.js';

export interface ListenerDeps extends SlashCommandDeps {
  intake: MessageIntake;
  memory: ThreadMemory;
  logger: Logger;
  /** Remembers each workspace's enterprise, for OAuth lookups outside a request. */
  noteEnterprise(teamId: string, enterpriseId: string | undefined): void;
  /** Drops a workspace's installation once Slack says the app was removed from it. */
  forgetWorkspace: ForgetWorkspace;
}

/** The events the code subscribes to; manifest.yml must declare exactly these. */
export const SLACK_EVENTS = [
  'app_mention',
  'message.channels',
  'message.groups',
  'message.im',
  'assistant_thread_started',
  'assistant_thread_context_changed',
  'app_uninstalled',
  'tokens_revoked',
] as const;

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
  const dropMalformed = (body: unknown, problem: string) => warnDropped(deps.logger, body, problem);
  const take = async (event: SlackMessage, context: EventContext, body: { team_id?: unknown }, extra: { assistant?: boolean } = {}) => {
    const problem = messageProblem(event as unknown as Record<string, unknown>);
    if (problem) return dropMalformed(body, problem);
    const teamId: unknown = context.teamId ?? body.team_id;
    if (typeof teamId !== 'string') return dropMalformed(body, notAString('team_id', teamId));
    deps.noteEnterprise(teamId, context.enterpriseId);
    return deps.intake.take(event, teamId, context.botUserId, extra);
  };

  // Bolt's assistant middleware reads `payload.type` of every request: an action or view payload
  // that came without its first action or its view has no payload, and would fail there.
  app.use(async ({ payload, body, next }) => {
    if (typeof payload === 'object' && payload !== null) return next();
    dropMalformed(body, 'its `view` or first action is missing');
  });
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
  // Bolt skips authorize for these two: the workspace's token is already gone.
  app.event('app_uninstalled', async ({ context }) => deps.forgetWorkspace(context, 'the app was uninstalled'));
  app.event('tokens_revoked', async ({ event, context }) => {
    if (event.tokens.bot?.length) await deps.forgetWorkspace(context, 'its bot token was revoked');
  });

  app.command(/.*/u, async ({ command, ack, respond, context }) => {
    await ack();
    const problem = slashCommandProblem(command as unknown as Record<string, unknown>);
    if (problem) return dropMalformed(command, problem);
    deps.noteEnterprise(command.team_id, context.enterpriseId);
    // Bolt gives no respond() to a command without a response_url (Slack always sends one).
    const tell = (text: string) => (command.response_url ? respond({ text, response_type: 'ephemeral' }) : Promise.resolve());
    await takeSlashCommand(command, deps, tell);
  });
}
