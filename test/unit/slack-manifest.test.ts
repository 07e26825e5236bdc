// manifest.yml declares exactly what the Slack adapter handles: events, slash commands, scopes.
// (The manifest is written in YAML's JSON-compatible flow style, so it parses without a YAML library.)
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SLACK_EVENTS } from '../../adapters/slack/events/listeners.js';
import { slackSlashCommands } from '../../adapters/slack/events/slash-commands.js';
import { SLACK_BOT_SCOPES } from '../../adapters/slack/oauth/scopes.js';
import { SLACK_PATHS } from '../../adapters/slack/slack-platform.js';
import { createDigestCommand } from '../../jobs/digest-command.js';
import { CommandRegistry } from '../../src/commands/registry.js';
import type { Scheduler } from '../../jobs/scheduler.js';

interface Manifest {
  features: { slash_commands: { command: string; url: string }[] };
  oauth_config: { redirect_urls: string[]; scopes: { bot: string[] } };
  settings: { event_subscriptions: { request_url: string; bot_events: string[] }; socket_mode_enabled: boolean; interactivity: { is_enabled: boolean } };
}

const manifest = JSON.parse(fs.readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;
const sorted = (values: readonly string[]) => [...values].sort();

describe('manifest.yml', () => {
  it('subscribes to exactly the events the adapter handles', () => {
    expect(sorted(manifest.settings.event_subscriptions.bot_events)).toEqual(sorted(SLACK_EVENTS));
  });

  it('declares exactly the slash commands of the registry as the app builds it (digest included)', () => {
    const commands = new CommandRegistry('crosstalk');
    commands.register(createDigestCommand({} as Scheduler));
    expect(sorted(manifest.features.slash_commands.map((command) => command.command))).toEqual(sorted(slackSlashCommands(commands, 'crosstalk')));
  });

  it('asks for exactly the bot scopes the code uses', () => {
    expect(sorted(manifest.oauth_config.scopes.bot)).toEqual(sorted(SLACK_BOT_SCOPES));
  });

  it('points every URL at the paths the receiver mounts', () => {
    const paths = [manifest.settings.event_subscriptions.request_url, ...manifest.features.slash_commands.map((command) => command.url)].map((url) => new URL(url).pathname);
    expect(new Set(paths)).toEqual(new Set([SLACK_PATHS.events]));
    expect(manifest.oauth_config.redirect_urls.map((url) => new URL(url).pathname)).toEqual([SLACK_PATHS.redirect]);
    // HTTP mode by default; no interactive components are handled, so interactivity stays off.
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.settings.interactivity.is_enabled).toBe(false);
  });
});
