// Every Slack limit and pacing figure the adapter depends on, named once.

/**
 * Characters of `text` per posted message. Slack truncates `text` past 40,000 characters and
 * advises staying under 4,000 for readable messages; we split at this size.
 */
export const MESSAGE_TEXT_CHARS = 3_900;

/** `markdown_text` of chat.startStream / appendStream is capped at 12,000 characters per call. */
export const STREAM_APPEND_CHARS = 12_000;

/** One streamed message stops and a new one starts past this many characters. */
export const STREAM_MESSAGE_CHARS = 12_000;

/** Post-and-update fallback: chat.update is Tier 3 (~50/min per channel); at most one a second. */
export const UPDATE_INTERVAL_MS = 1_000;

/** Native streaming: gather pieces for this long before one appendStream call. */
export const STREAM_APPEND_INTERVAL_MS = 500;

/** Slack acks must come within 3 s or Slack retries (and slash commands show operation_timeout). */
export const ACK_DEADLINE_MS = 3_000;

/** A 429 is retried after its Retry-After this many times before the call gives up. */
export const RATE_LIMIT_RETRIES = 5;

/** Upper bound on one Retry-After wait we honour, so a bad header cannot stall a turn forever. */
export const MAX_RETRY_AFTER_S = 60;

/** Web API calls time out after this long (a timed-out post is not retried: it may have landed). */
export const WEB_API_TIMEOUT_MS = 15_000;

/** conversations.replies page size when reading a thread the bot was mentioned into. */
export const THREAD_BACKFILL_LIMIT = 200;

/** conversations.history page size for readHistory. */
export const HISTORY_PAGE_SIZE = 200;

/** assistant.threads.setStatus text while a turn runs. */
export const THINKING_STATUS = 'is thinking…';

/** Reaction on the asker's message while a turn runs, outside assistant threads. */
export const THINKING_REACTION = 'hourglass_flowing_sand';

/** Thread facts (recipient, assistant thread) kept in memory per process. */
export const THREAD_MEMORY_SIZE = 10_000;
