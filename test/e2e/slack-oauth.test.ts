// Multi-workspace install end to end: a browser (plain fetch, cookies kept by hand) goes through
// /slack/install and /slack/oauth_redirect on the real Bolt HTTP receiver and its InstallProvider;
// the fake Slack plays the authorize page and oauth.v2.access. Then signed events from each
// workspace are answered with that workspace's own bot token, until Slack says it was removed.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_BOT_SCOPES } from '../../adapters/slack/oauth/scopes.js';
import { createLogger } from '../../src/logger.js';
import { DATABASE_FILE } from '../../src/stores/sqlite/database.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai-server.js';
import { startFakeSlackApi, type FakeSlackApi, type FakeSlackInstall } from '../fakes/slack-api.js';
import { eventEnvelope, newTs, postSigned, startSlackHarness, waitFor, type SlackHarness } from './slack-harness.js';

const APP = { appId: 'A0CROSSTALK', clientId: '1111.2222', clientSecret: 'client-secret-0123456789' };
const STATE_COOKIE = 'slack-app-oauth-state';
const ACME = { teamId: 'T0ACME', teamName: 'Acme', channel: 'C0ACME' };
const GLOBEX = { teamId: 'T0GLOBEX', teamName: 'Globex', channel: 'C0GLOBEX' };
const ASKER = 'U0DANA';

let slack: FakeSlackApi;
let openai: FakeOpenAI;
let harness: SlackHarness;
let logs: Array<{ level: number; msg: string }>;

beforeAll(async () => {
  openai = await startFakeOpenAI();
});
afterAll(async () => {
  await openai.close();
});
beforeEach(async () => {
  slack = await startFakeSlackApi();
  slack.registerApp(APP);
  slack.setUser(ASKER, 'dana');
  logs = [];
  const write = (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string });
  harness = await startSlackHarness({
    slack,
    openaiUrl: openai.url,
    // OAuth install, as an operator configures it: no SLACK_BOT_TOKEN.
    env: {
      SLACK_BOT_TOKEN: '',
      SLACK_CLIENT_ID: APP.clientId,
      SLACK_CLIENT_SECRET: APP.clientSecret,
      SLACK_STATE_SECRET: 'state-secret-0123456789',
      SLACK_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    },
    logger: createLogger('info', { format: 'json', destination: { write } }),
  });
});
afterEach(async () => {
  await harness.close();
  await slack.close();
});

/** A browser: follows nothing by itself, keeps the cookies the app sets. */
class Browser {
  readonly cookies = new Map<string, string>();

  async get(url: string): Promise<{ status: number; location: string | null; body: string }> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const header of response.headers.getSetCookie()) this.keep(header);
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  }

  private keep(header: string): void {
    const [pair = '', ...attributes] = header.split(';').map((part) => part.trim());
    const [name = '', value = ''] = pair.split('=');
    const expired = attributes.some((attribute) => /^expires=/iu.test(attribute) && Date.parse(attribute.slice('expires='.length)) < Date.now());
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** The Slack authorize URL the install page sends the user to (a landing page or a redirect). */
async function startInstall(browser: Browser): Promise<URL> {
  const page = await browser.get(`${harness.url}/slack/install`);
  if (page.status === 302) return new URL(page.location!);
  expect(page.status).toBe(200);
  return new URL(/href="(https:\/\/slack\.com\/oauth\/v2\/authorize\?[^"]+)"/u.exec(page.body)![1]!);
}

/** The whole install of one workspace: install page, Allow on Slack, back to the redirect URL. */
async function install(workspace: typeof ACME): Promise<FakeSlackInstall> {
  const browser = new Browser();
  const approval = slack.approveInstall((await startInstall(browser)).toString(), workspace);
  const done = await browser.get(`${harness.url}/slack/oauth_redirect?code=${approval.code}&state=${approval.state}`);
  expect(done.status).toBe(200);
  return approval.install;
}

/** The installations table as it is on disk: key and sealed record. */
function storedRows(): Array<{ key: string; sealed: string }> {
  const db = new Database(path.join(harness.dataDir, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare('SELECT key, sealed FROM installations ORDER BY key').all() as Array<{ key: string; sealed: string }>;
  } finally {
    db.close();
  }
}

/** The SQLite file and its write-ahead log, byte for byte. */
function rawDatabase(): Buffer {
  const file = path.join(harness.dataDir, DATABASE_FILE);
  return Buffer.concat([file, `${file}-wal`].filter((name) => fs.existsSync(name)).map((name) => fs.readFileSync(name)));
}

/** A user mentions the bot in the workspace's channel; resolves with the mention's ts once delivered. */
async function mention(workspace: typeof ACME, install: FakeSlackInstall, text: string): Promise<string> {
  const ts = newTs();
  const event = { type: 'app_mention', user: ASKER, text: `<@${install.botUserId}> ${text}`, ts, channel: workspace.channel };
  const delivery = await postSigned(harness.url, eventEnvelope(event, undefined, install));
  expect(delivery.status).toBe(200);
  return ts;
}

/** Waits for the bot's one reply to `ts` and checks that every call about the channel used `install`'s token. */
async function answeredWithOwnToken(workspace: typeof ACME, install: FakeSlackInstall, ts: string): Promise<void> {
  await waitFor(`the reply in ${workspace.teamName}`, () => slack.botReplies(workspace.channel, ts).some((reply) => !reply.streaming));
  await harness.app.bot.idle();
  const replies = slack.botReplies(workspace.channel, ts);
  expect(replies).toHaveLength(1);
  expect(replies[0]!.user).toBe(install.botUserId);
  expect(replies[0]!.text).toContain('fake answer to:');
  const calls = slack.calls.filter((call) => call.args.channel === workspace.channel);
  expect(calls.length).toBeGreaterThan(0);
  expect(new Set(calls.map((call) => call.token))).toEqual(new Set([install.token]));
}

describe('Slack OAuth install, end to end', () => {
  it('sends the installer to Slack with the manifest bot scopes and a state kept in a cookie', async () => {
    const browser = new Browser();
    const authorize = await startInstall(browser);

    expect(`${authorize.origin}${authorize.pathname}`).toBe('https://slack.com/oauth/v2/authorize');
    expect(authorize.searchParams.get('client_id')).toBe(APP.clientId);
    expect(authorize.searchParams.get('scope')!.split(',').sort()).toEqual([...SLACK_BOT_SCOPES].sort());
    const state = authorize.searchParams.get('state');
    expect(state).toBeTruthy();
    expect(browser.cookies.get(STATE_COOKIE)).toBe(state);
  });

  it('stores the install encrypted, then answers a mention in that workspace once, with its bot token', async () => {
    const browser = new Browser();
    const approval = slack.approveInstall((await startInstall(browser)).toString(), ACME);
    const done = await browser.get(`${harness.url}/slack/oauth_redirect?code=${approval.code}&state=${approval.state}`);

    expect(done.status).toBe(200);
    expect(done.body).toContain('Thank you!');
    expect(browser.cookies.has(STATE_COOKIE)).toBe(false);
    expect(slack.performed('oauth.v2.access').map((call) => [call.args.client_id, call.args.code])).toEqual([[APP.clientId, approval.code]]);
    const rows = storedRows();
    expect(rows.map((row) => row.key)).toEqual([`slack:team:${ACME.teamId}`]);
    expect(rows[0]!.sealed).not.toContain(approval.install.token);
    expect(rawDatabase().includes(approval.install.token)).toBe(false);

    const ts = await mention(ACME, approval.install, 'what is our deploy process?');
    await answeredWithOwnToken(ACME, approval.install, ts);
  });

  it('answers each of two installed workspaces with its own bot token', async () => {
    const acme = await install(ACME);
    const globex = await install(GLOBEX);
    expect(acme.token).not.toBe(globex.token);
    expect(storedRows().map((row) => row.key)).toEqual([`slack:team:${ACME.teamId}`, `slack:team:${GLOBEX.teamId}`]);

    const acmeTs = await mention(ACME, acme, 'where is the runbook?');
    const globexTs = await mention(GLOBEX, globex, 'who is on call?');
    await answeredWithOwnToken(ACME, acme, acmeTs);
    await answeredWithOwnToken(GLOBEX, globex, globexTs);
  });

  it.each([
    ['a forged state', (state: string | undefined) => ({ state: `${state}x`, cookie: true })],
    ['no state', () => ({ state: undefined, cookie: true })],
    ['a state from another browser (no cookie)', (state: string | undefined) => ({ state, cookie: false })],
  ])('refuses a redirect with %s and stores nothing', async (_what, redirect) => {
    const browser = new Browser();
    const approval = slack.approveInstall((await startInstall(browser)).toString(), ACME);
    const { state, cookie } = redirect(approval.state);
    if (!cookie) browser.cookies.clear();
    const query = new URLSearchParams({ code: approval.code, ...(state === undefined ? {} : { state }) });
    const done = await browser.get(`${harness.url}/slack/oauth_redirect?${query}`);

    expect(done.status).toBe(400);
    expect(done.body).toContain('Something Went Wrong');
    expect(slack.performed('oauth.v2.access')).toEqual([]);
    expect(storedRows()).toEqual([]);
  });

  it('refuses a code Slack does not know and stores nothing', async () => {
    const browser = new Browser();
    const authorize = await startInstall(browser);
    const done = await browser.get(`${harness.url}/slack/oauth_redirect?code=not-a-code&state=${authorize.searchParams.get('state')}`);

    expect(done.status).toBe(500);
    expect(done.body).toContain('Something Went Wrong');
    const exchanges = slack.performed('oauth.v2.access');
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.args.code).toBe('not-a-code');
    expect(storedRows()).toEqual([]);
  });

  it.each([
    ['app_uninstalled', () => ({ type: 'app_uninstalled' })],
    ['tokens_revoked', (removed: FakeSlackInstall) => ({ type: 'tokens_revoked', tokens: { bot: [removed.botUserId] } })],
  ])('deletes the installation on %s; later events from that workspace get no reply, others still do', async (_event, removal) => {
    const acme = await install(ACME);
    const globex = await install(GLOBEX);

    // Slack revokes the token and tells the app.
    slack.revokeInstall(ACME.teamId);
    expect((await postSigned(harness.url, eventEnvelope(removal(acme), undefined, acme))).status).toBe(200);
    await waitFor('the installation to be deleted', () => storedRows().every((row) => row.key !== `slack:team:${ACME.teamId}`));
    expect(storedRows().map((row) => row.key)).toEqual([`slack:team:${GLOBEX.teamId}`]);
    expect(logs.some((line) => line.msg.includes(ACME.teamId) && line.msg.includes('installation is deleted'))).toBe(true);

    const callsBefore = slack.calls.length;
    await mention(ACME, acme, 'are you still there?');
    // Bolt acknowledges an event it cannot authorize only after its error handler ran.
    expect(logs.some((line) => line.level === 40 && line.msg.includes(ACME.teamId) && line.msg.includes('not installed'))).toBe(true);

    const globexTs = await mention(GLOBEX, globex, 'who is on call?');
    await answeredWithOwnToken(GLOBEX, globex, globexTs);
    expect(harness.handled.map((message) => message.thread.workspaceId)).toEqual([GLOBEX.teamId]);
    expect(slack.calls.slice(callsBefore).filter((call) => call.token === acme.token)).toEqual([]);
    expect(slack.messages(ACME.channel)).toEqual([]);
    expect(logs.filter((line) => line.level >= 50)).toEqual([]);
  });
});
