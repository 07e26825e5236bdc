// Every Discord limit and protocol number the adapter depends on, named once.

/** Characters in one message's content. */
export const MESSAGE_MAX_CHARS = 2000;
/** Characters in a thread name. */
export const THREAD_NAME_MAX_CHARS = 100;
/** Messages one GET /channels/:id/messages returns at most. */
export const HISTORY_PAGE_SIZE = 100;
/** Earlier messages read for context when the bot is mentioned in an existing thread or as a reply. */
export const CONTEXT_MESSAGES = 50;
/** Edits of one message while a reply streams: Discord's per-channel limit is about 5 per 5 s. */
export const STREAM_EDIT_INTERVAL_MS = 1000;
/** An interaction must be acknowledged (here: deferred) within this time or it fails for the user. */
export const INTERACTION_ACK_MS = 3000;
/** An interaction token, and with it editing the reply and follow-ups, lives this long. */
export const INTERACTION_TOKEN_MS = 15 * 60 * 1000;
/** A little before the token dies, stop using it rather than fail mid-reply. */
export const INTERACTION_TOKEN_MARGIN_MS = 30 * 1000;
/** The typing indicator lasts about 10 s; renew it a little sooner. */
export const TYPING_RENEW_MS = 8000;
/** Slash command and option names: lowercase, 1 to 32 characters. */
export const COMMAND_NAME_MAX_CHARS = 32;
/** Slash command and option descriptions: 1 to 100 characters. */
export const COMMAND_DESCRIPTION_MAX_CHARS = 100;
/** Gateway close code for privileged intents the application has not enabled. */
export const CLOSE_DISALLOWED_INTENTS = 4014;
/** Thread auto-archive after a day of inactivity (minutes). */
export const THREAD_AUTO_ARCHIVE_MINUTES = 1440;
/**
 * Permissions the invite URL asks for: View Channels, Send Messages, Send Messages in Threads,
 * Create Public Threads, Read Message History (1024 + 2048 + 274877906944 + 34359738368 + 65536).
 */
export const INVITE_PERMISSIONS = 1024n + 2048n + 274877906944n + 34359738368n + 65536n;
