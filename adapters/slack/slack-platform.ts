// Slack as a running platform: a Bolt App on the HTTP receiver (mounted on the process's one
// HTTP server, so Bolt verifies every signed request) or on Socket Mode.
import { App, ErrorCode, HTTPReceiver, type CodedError } from '@slack/bolt';
import type { RunningPlatform } from '../../src/app.js';
import type { Bot } from '../../src/bot.js';
import type { CommandRegistry } from '../../src/commands/registry.js';
import type { SlackConfig } from '../../src/config.js';
import { sendJson, type HttpServer } from '../../src/http/server.js';
import type { Logger } from '../../src/logger.js';
import type { InstallationRecords } from '../../src/stores/installations.js';
import type { TranscriptStore } from '../../src/stores/ports.js';
import { boltLogger } from './bolt-logger.js';
import { registerListeners } from './events/listeners.js';
import { MessageIntake } from './events/message-intake.js';
import { payloadKind, warnDropped } from './events/payload-fields.js';
import { UserNames } from './events/user-names.js';
import { notInstalledCause, SlackInstallationStore } from './oauth/installation-store.js';
import { forgetRemovedWorkspaces } from './oauth/removed-workspaces.js';
import { SLACK_BOT_SCOPES } from './oauth/scopes.js';
import { socketModeConnection } from './socket-mode.js';
import { SlackSurface } from './surface.js';
import { answeredUnusableBody } from './webhook/body-guard.js';
import { unroutedRequestHandlers } from './webhook/unrouted-requests.js';
import { ThreadMemory } from './thread-memory.js';
import { slackClientOptions } from './web-api/client-options.js';
import { installationAuth, singleTokenAuth, type AuthFor } from './workspace-auth.js';

export const SLACK_PATHS = { events: '/slack/events', install: '/slack/install', redirect: '/slack/oauth_redirect' } as const;

export interface SlackPlatformDeps {
  config: SlackConfig;
  botName: string;
  bot: Bot;
  commands: CommandRegistry;
  transcripts: TranscriptStore;
  logger: Logger;
  /** The process's HTTP server; required unless Socket Mode is on. */
  http: HttpServer | undefined;
  /** Where OAuth installations live; required in OAuth mode. */
  installations: InstallationRecords | undefined;
  /** Native streaming when the recipient is known (default true). */
  nativeStreaming?: boolean;
}

export async function startSlackPlatform(deps: SlackPlatformDeps): Promise<RunningPlatform> {
  const { config, logger } = deps;
  const log = logger.child({ platform: 'slack' });
  const clientOptions = slackClientOptions(config.apiUrl);
  const installationStore = config.oauth && deps.installations ? new SlackInstallationStore(deps.installations) : undefined;
  if (config.oauth && !installationStore) throw new Error('Slack OAuth is configured but no installation store was given');

  const socketMode = config.appToken ? socketModeConnection(config.appToken, config.apiUrl, boltLogger(log)) : undefined;
  const receiver = socketMode
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.signingSecret ?? '',
        endpoints: SLACK_PATHS.events,
        // Ack first: the HTTP response goes out before listeners run.
        processBeforeResponse: false,
        logger: boltLogger(log),
        ...unroutedRequestHandlers(log),
        ...(config.oauth && installationStore
          ? {
              clientId: config.oauth.clientId,
              clientSecret: config.oauth.clientSecret,
              stateSecret: config.oauth.stateSecret,
              scopes: [...SLACK_BOT_SCOPES],
              installationStore,
              installerOptions: {
                installPath: SLACK_PATHS.install,
                redirectUriPath: SLACK_PATHS.redirect,
                clientOptions,
              },
            }
          : {}),
      });
  const app = new App({
    receiver: socketMode?.receiver ?? receiver,
    ...(config.botToken ? { token: config.botToken } : {}),
    clientOptions,
    logger: boltLogger(log),
    ignoreSelf: true,
    // The error handler gets the request body, so its line can say what was being handled.
    extendedErrorHandler: true,
  });

  const enterprises = new Map<string, string>();
  const authFor: AuthFor = installationStore
    ? installationAuth(installationStore, (teamId) => enterprises.get(teamId))
    : singleTokenAuth(app.client, config.botToken!, log);
  const memory = new ThreadMemory();
  const names = new UserNames(app.client, authFor, deps.botName, log);
  const surface = new SlackSurface({
    client: app.client,
    authFor,
    memory,
    nameOf: (workspaceId) => names.for(workspaceId),
    logger: log,
    ...(deps.nativeStreaming === undefined ? {} : { nativeStreaming: deps.nativeStreaming }),
  });
  const intake = new MessageIntake({ bot: deps.bot, surface, client: app.client, authFor, memory, names, transcripts: deps.transcripts, logger: log });
  registerListeners(app, {
    bot: deps.bot,
    surface,
    memory,
    intake,
    botName: deps.botName,
    logger: log,
    noteEnterprise: (teamId, enterpriseId) => {
      if (enterpriseId) enterprises.set(teamId, enterpriseId);
    },
    forgetWorkspace: forgetRemovedWorkspaces(installationStore, log),
  });
  app.error(async ({ error, body }: { error: CodedError; body: unknown }) => {
    // Bolt's assistant middleware throws this for an event without its channel or thread.
    if (error.code === ErrorCode.AssistantMissingPropertyError) return warnDropped(log, body, error.message);
    const payload = payloadKind(body);
    // Slack can still send events from a workspace that just removed the app: not a fault here.
    const notInstalled = error.code === ErrorCode.AuthorizationError ? notInstalledCause(error) : undefined;
    if (notInstalled) return log.warn({ payload, workspace: notInstalled.workspace }, `dropped a Slack ${payload}: ${notInstalled.message}`);
    log.error({ err: error, payload }, `handling a Slack ${payload} failed`);
  });

  let stopped = false;
  if (receiver) {
    if (!deps.http) throw new Error('Slack HTTP mode needs the HTTP server');
    const listener = receiver.requestListener;
    const mount = (method: string, path: string) =>
      deps.http!.route(method, path, async (request, response) => {
        // While stopping, Slack gets a 503 and retries the event later (to this or another replica).
        if (stopped) return sendJson(response, 503, { error: 'stopping' });
        if (method === 'POST' && (await answeredUnusableBody(request, response, config.signingSecret ?? ''))) return;
        return listener(request, response);
      });
    mount('POST', SLACK_PATHS.events);
    if (config.oauth) {
      mount('GET', SLACK_PATHS.install);
      mount('GET', SLACK_PATHS.redirect);
    }
    log.info({ path: SLACK_PATHS.events, oauth: Boolean(config.oauth) }, 'Slack HTTP receiver mounted');
  } else {
    await app.start();
    log.info('Slack Socket Mode connected');
  }

  return {
    surface,
    stop: async () => {
      stopped = true;
      await socketMode?.disconnect();
    },
    ...(socketMode ? { connected: socketMode.connected } : {}),
  };
}
