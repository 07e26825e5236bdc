// 500 forged signatures, 500 expired timestamps and 500 malformed bodies at the running app's
// Slack events endpoint (the real Bolt HTTP receiver): each is rejected with its status, no turn
// runs, nothing is written to any store and Slack is never called. A genuine mention afterwards
// is answered, so the app was listening all along.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventEnvelope, newTs, postSigned, signature, startSlackHarness, waitFor, type Delivery, type SlackHarness } from '../e2e/slack-harness.js';
import { FAKE_BOT_USER, startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.js';
import { recordFault } from './fault-report.js';
import { FAULT_BOT_TOKEN } from './secrets.js';
import { suiteLogger } from './suite-logs.js';

const EACH = 500;
const CHANNEL = 'C0HOSTILE';

let slack: FakeSlackApi;
let harness: SlackHarness;
let dir: string;

beforeAll(async () => {
  slack = await startFakeSlackApi();
  slack.setUser('U0ASKER', 'asker');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-faults-forged-'));
  harness = await startSlackHarness({
    slack,
    openaiUrl: 'http://127.0.0.1:9/v1',
    // Offline model (no OpenAI settings); the stores are the embedded SQLite file in `dir`.
    env: { OPENAI_BASE_URL: '', OPENAI_API_KEY: '', DATA_DIR: dir, SLACK_BOT_TOKEN: FAULT_BOT_TOKEN },
    logger: suiteLogger('row2-forged').logger,
  });
  // Bolt checks its token once at start-up; that call is not one a request caused.
  await waitFor('the start-up auth.test', () => slack.performed('auth.test').length > 0);
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await slack?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Rows per table of every SQLite file in the data folder: any store write changes it. */
function storeSnapshot(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.db'))) {
    const db = new Database(path.join(dir, file), { readonly: true, fileMustExist: true });
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
    for (const { name } of tables) counts[`${file}:${name}`] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
    db.close();
  }
  return counts;
}

const mentionBody = (n: number) => eventEnvelope({ type: 'app_mention', user: 'U0ASKER', text: `<@${FAKE_BOT_USER}> hostile ${n}`, ts: newTs(), channel: CHANNEL });

/** Forged five ways: another secret, random hex, no `v0=`, empty, and another body's signature. */
function forged(n: number): Promise<Delivery> {
  const body = mentionBody(n);
  const now = Math.floor(Date.now() / 1000);
  const signatures = [
    signature(body, now, `not-the-secret-${n}`),
    `v0=${Buffer.from(String(n).padStart(32, '0')).toString('hex')}`,
    signature(body, now).slice(3),
    '',
    signature(mentionBody(n + 1), now),
  ];
  return postSigned(harness.url, body, { timestamp: now, signature: signatures[n % signatures.length]! });
}

/** Correctly signed, but 5 min 1 s to 30 days ago (Slack's replay window is 5 minutes). */
function expired(n: number): Promise<Delivery> {
  const ageS = 301 + Math.floor((n / EACH) * 30 * 24 * 3600);
  return postSigned(harness.url, mentionBody(n), { timestamp: Math.floor(Date.now() / 1000) - ageS });
}

const MALFORMED: Array<[string, (n: number) => string, string]> = [
  ['truncated JSON', (n) => mentionBody(n).slice(0, 40 + (n % 50)), 'application/json'],
  ['binary', (n) => `\u0000\u0001\u00ff${'\ufffd'.repeat(n % 20)}`, 'application/json'],
  ['empty', () => '', 'application/json'],
  ['JSON null', () => 'null', 'application/json'],
  ['JSON array', (n) => `[${n}]`, 'application/json'],
  ['form, broken payload', (n) => `payload=${encodeURIComponent(`{"type":"block_actions",${n}`)}`, 'application/x-www-form-urlencoded'],
  ['form, payload null', () => 'payload=null', 'application/x-www-form-urlencoded'],
  ['plain text', (n) => `hello ${n}`, 'text/plain'],
];

/** Signed correctly, so only the body is wrong. */
function malformed(n: number): Promise<Delivery> {
  const [, body, contentType] = MALFORMED[n % MALFORMED.length]!;
  return postSigned(harness.url, body(n), { contentType });
}

async function sendAll(count: number, send: (n: number) => Promise<Delivery>): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  for (let start = 0; start < count; start += 50) {
    deliveries.push(...(await Promise.all(Array.from({ length: Math.min(50, count - start) }, (_, k) => send(start + k)))));
  }
  return deliveries;
}

function statusCounts(deliveries: Delivery[]): string {
  const counts = new Map<number, number>();
  for (const { status } of deliveries) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count}×${status}`).join(' ');
}

it('rejects 1,500 forged, expired and malformed requests with 401/401/400, running nothing and writing nothing', async () => {
  const before = storeSnapshot();
  const callsBefore = slack.calls.length;
  const started = performance.now();
  const results = {
    forged: await sendAll(EACH, forged),
    expired: await sendAll(EACH, expired),
    malformed: await sendAll(EACH, malformed),
  };
  const seconds = (performance.now() - started) / 1000;
  // Anything a rejected request had started would show by now.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await harness.app.bot.idle();
  const after = storeSnapshot();
  const slackCalls = slack.calls.slice(callsBefore).map((call) => call.method);
  const handed = harness.handled.length;

  // Still listening: a genuine mention is answered once.
  const ts = newTs();
  const genuine = await postSigned(harness.url, eventEnvelope({ type: 'app_mention', user: 'U0ASKER', text: `<@${FAKE_BOT_USER}> genuine`, ts, channel: 'C0GENUINE' }));
  await waitFor('the genuine mention answered', () => slack.botReplies('C0GENUINE', ts).some((reply) => !reply.streaming), 30_000);

  const changed = Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]);
  const wrong = [
    ...results.forged.filter((delivery) => delivery.status !== 401),
    ...results.expired.filter((delivery) => delivery.status !== 401),
    ...results.malformed.filter((delivery) => delivery.status !== 400),
  ];
  recordFault({
    guarantee: 'unsigned, stale and malformed Slack requests do nothing',
    tried: `${EACH} forged signatures, ${EACH} expired timestamps, ${EACH} malformed bodies (${MALFORMED.length} kinds, signed)`,
    happened: `forged ${statusCounts(results.forged)}, expired ${statusCounts(results.expired)}, malformed ${statusCounts(results.malformed)}; ${handed} handed to the bot, ${changed.length} store tables changed, ${slackCalls.length} Slack calls`,
    figures: `${Math.round((3 * EACH) / seconds)} rejections/s; genuine mention after: ${genuine.status}, answered`,
    held: wrong.length === 0 && handed === 0 && changed.length === 0 && slackCalls.length === 0,
  });
  expect(wrong.map((delivery) => delivery.status)).toEqual([]);
  expect(handed).toBe(0);
  expect(changed).toEqual([]);
  expect(slackCalls).toEqual([]);
  expect(genuine.status).toBe(200);
  expect(harness.handled.map((message) => message.text)).toEqual(['@crosstalk genuine']);
  expect(slack.botReplies('C0GENUINE', ts)).toHaveLength(1);
}, 180_000);
