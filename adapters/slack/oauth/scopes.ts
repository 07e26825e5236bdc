// The bot token scopes the code uses; manifest.yml must declare exactly these.
export const SLACK_BOT_SCOPES = [
  'app_mentions:read', // app_mention events
  'assistant:write', // assistant.threads.* (status, suggested prompts, title)
  'channels:history', // message.channels events, conversations.history/replies in public channels
  'groups:history', // message.groups events, the same in private channels
  'im:history', // message.im events (DMs)
  'chat:write', // chat.postMessage/update/delete and chat.*Stream
  'commands', // slash commands
  'reactions:write', // the thinking reaction
  'users:read', // users.info, for readable names
] as const;
