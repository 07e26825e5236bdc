// Operator-facing explanations of gateway close codes that stop the bot.
import { CLOSE_DISALLOWED_INTENTS } from './limits.js';

const EXPLANATIONS: Record<number, string> = {
  4004: 'Discord rejected DISCORD_TOKEN (close code 4004): copy the bot token again from the developer portal (Applications → your app → Bot → Reset Token) and restart.',
  [CLOSE_DISALLOWED_INTENTS]:
    'Discord refused the Message Content intent (close code 4014): in the developer portal open Applications → your app → Bot → Privileged Gateway Intents, turn on MESSAGE CONTENT INTENT, save, and restart.',
  4013: 'Discord says the requested gateway intents are invalid (close code 4013): this is a bug in Crosstalk, please report it.',
  4011: 'Discord requires sharding for this bot (close code 4011): set SHARD_COUNT, or unset it to use the recommended count.',
  4010: 'Discord refused the shard configuration (close code 4010): SHARD_COUNT must match the count every shard process uses.',
};

export function disconnectMessage(code: number): string {
  return EXPLANATIONS[code] ?? `The Discord gateway closed with code ${code} and will not reconnect; check the bot's settings in the developer portal.`;
}
