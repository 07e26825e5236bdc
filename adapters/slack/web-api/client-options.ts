// How Bolt's WebClient is configured: no retries of its own. Its default policy retries any
// failed request (up to 10 times), and a chat.postMessage that timed out after Slack received
// it would then be posted twice. Retrying is ours to decide, per call (see calls.ts).
import type { webApi } from '@slack/bolt';
import { WEB_API_TIMEOUT_MS } from '../limits.js';

export function slackClientOptions(apiUrl: string | undefined): webApi.WebClientOptions {
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: { retries: 0 },
    // A 429 comes back to us as an error carrying Retry-After instead of being retried inside
    // the client's shared queue (which would pause every other call of the process too).
    rejectRateLimitedCalls: true,
    timeout: WEB_API_TIMEOUT_MS,
  };
}

/**
 * For the Socket Mode client's own calls: apps.connections.open, asked again at every reconnect.
 * It only hands out a URL, so it keeps the client's default retries (none are set here); with
 * retries off, one failed call while reconnecting would end the connection for good.
 */
export function socketModeClientOptions(apiUrl: string | undefined): webApi.WebClientOptions {
  return { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), timeout: WEB_API_TIMEOUT_MS };
}
