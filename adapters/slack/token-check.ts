// `crosstalk doctor`'s Slack line: does Slack accept the configured tokens? auth.test for the
// bot token (against SLACK_API_URL when set), apps.connections.open for a Socket Mode token.
import { webApi } from '@slack/bolt';
import type { SlackConfig } from '../../src/config.js';
import { slackClientOptions } from './web-api/client-options.js';

const CHECK_TIMEOUT_MS = 5_000;

/** Resolves with what Slack said; rejects with one line saying what to fix. */
export async function checkSlackToken(config: SlackConfig): Promise<string> {
  const options = { ...slackClientOptions(config.apiUrl), timeout: CHECK_TIMEOUT_MS };
  const where = config.apiUrl ?? 'https://slack.com/api/';
  const found: string[] = [];
  if (config.botToken) {
    try {
      const auth = await new webApi.WebClient(config.botToken, options).auth.test();
      found.push(`bot token works: @${auth.user ?? '?'} in workspace ${auth.team ?? auth.team_id ?? '?'}`);
    } catch (error) {
      throw new Error(`Slack rejected SLACK_BOT_TOKEN at ${where} (${slackError(error)}): copy the Bot User OAuth Token from the app's OAuth & Permissions page, and reinstall the app if it was revoked.`, { cause: error });
    }
  } else if (config.oauth) {
    found.push('OAuth install: bot tokens come from each workspace install, nothing to test here');
  }
  if (config.appToken) {
    try {
      await new webApi.WebClient(config.appToken, options).apps.connections.open();
      found.push('app token can open Socket Mode connections');
    } catch (error) {
      throw new Error(`Slack rejected SLACK_APP_TOKEN at ${where} (${slackError(error)}): create an app-level token with connections:write on the app's Basic Information page.`, { cause: error });
    }
  }
  return found.join('; ');
}

function slackError(error: unknown): string {
  const data = (error as { data?: { error?: string } }).data;
  return data?.error ?? (error as Error).message?.split('\n')[0] ?? String(error);
}
