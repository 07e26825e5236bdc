// Retrying Slack Web API calls without ever doubling a post.
//
// - 429 (rate limited): Slack did not perform the call, so every method is retried after
//   Retry-After, a few times.
// - Transport errors and timeouts: the request may have reached Slack and been performed. Only
//   idempotent calls (reads, chat.update, reactions, status) are retried; a post is not, since a
//   retried post that had landed would show the answer twice. A lost post is logged instead.
import type { Logger } from '../../../src/logger.js';
import { MAX_RETRY_AFTER_S, RATE_LIMIT_RETRIES } from '../limits.js';

const TRANSPORT_RETRIES = 2;

interface SlackErrorShape {
  code?: string;
  retryAfter?: number;
  data?: { error?: string };
}

export type CallKind = 'post' | 'idempotent';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function callSlack<T>(method: string, kind: CallKind, call: () => Promise<T>, log: Logger): Promise<T> {
  let rateLimited = 0;
  let transport = 0;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const { code, retryAfter } = error as SlackErrorShape;
      if (code === 'slack_webapi_rate_limited_error' && rateLimited < RATE_LIMIT_RETRIES) {
        rateLimited += 1;
        const waitS = Math.min(Math.max(retryAfter ?? 1, 0), MAX_RETRY_AFTER_S);
        log.warn({ method, retryAfterS: waitS, attempt: rateLimited }, 'Slack rate limited a call; retrying after Retry-After');
        await sleep(waitS * 1000);
        continue;
      }
      if (code === 'slack_webapi_request_error' && kind === 'idempotent' && transport < TRANSPORT_RETRIES) {
        transport += 1;
        await sleep(250 * transport);
        continue;
      }
      throw error;
    }
  }
}

/** The Slack error code (`channel_not_found`, …) of a failed call, if it was a platform error. */
export function slackErrorCode(error: unknown): string | undefined {
  return (error as SlackErrorShape).data?.error;
}
