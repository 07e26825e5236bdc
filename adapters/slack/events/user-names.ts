// Slack user ids → the names people see, cached per workspace. The bot's own user id renders as
// BOT_NAME, so `<@Ubot> hi` becomes `@crosstalk hi` and the bot pipeline sees its mention.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../../src/logger.js';
import { callSlack } from '../web-api/calls.js';
import type { AuthFor } from '../workspace-auth.js';
import type { NameOf } from './slack-text.js';

const MAX_CACHED = 20_000;

export class UserNames {
  private readonly names = new Map<string, Promise<string>>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly authFor: AuthFor,
    private readonly botName: string,
    private readonly log: Logger,
  ) {}

  for(workspaceId: string): NameOf {
    return (userId) => this.lookUp(workspaceId, userId);
  }

  private lookUp(workspaceId: string, userId: string): Promise<string> {
    const key = `${workspaceId}:${userId}`;
    let name = this.names.get(key);
    if (!name) {
      name = this.fetch(workspaceId, userId);
      this.names.set(key, name);
      if (this.names.size > MAX_CACHED) this.names.delete(this.names.keys().next().value!);
    }
    return name;
  }

  private async fetch(workspaceId: string, userId: string): Promise<string> {
    try {
      const { token, botUserId } = await this.authFor(workspaceId);
      if (userId === botUserId) return this.botName;
      const { user } = await callSlack('users.info', 'idempotent', () => this.client.users.info({ token, user: userId }), this.log);
      return user?.profile?.display_name || user?.real_name || user?.name || userId;
    } catch (error) {
      // A name is cosmetic: show the id, and ask again next time.
      this.log.warn({ err: error, userId }, 'could not look up a Slack user name');
      this.names.delete(`${workspaceId}:${userId}`);
      return userId;
    }
  }
}
