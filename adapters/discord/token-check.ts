// `crosstalk doctor`'s Discord line: does Discord accept DISCORD_TOKEN? GET /users/@me through
// the discord.js REST client, against DISCORD_API_URL when set.
import { REST, Routes, type APIUser } from 'discord.js';
import type { DiscordConfig } from '../../src/config.js';

const CHECK_TIMEOUT_MS = 5_000;

/** Resolves with the bot's name; rejects with one line saying what to fix. */
export async function checkDiscordToken(config: DiscordConfig): Promise<string> {
  const rest = new REST({ timeout: CHECK_TIMEOUT_MS, retries: 0, ...(config.apiUrl ? { api: config.apiUrl } : {}) }).setToken(config.token);
  const where = config.apiUrl ?? 'https://discord.com/api';
  let me: APIUser;
  try {
    me = (await rest.get(Routes.user('@me'))) as APIUser;
  } catch (error) {
    const status = (error as { status?: number }).status;
    const fix =
      status === 401
        ? 'copy the token from the Developer Portal (Bot, Reset Token) into DISCORD_TOKEN'
        : 'check the network, or DISCORD_API_URL if it is set';
    throw new Error(`Discord did not accept DISCORD_TOKEN at ${where} (${(error as Error).message.split('\n')[0]}): ${fix}.`, { cause: error });
  }
  return `token works: bot ${me.username} (${me.id})`;
}
