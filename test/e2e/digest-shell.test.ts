// Digest subscriptions and queued knowledge from the shell, as a user runs it (`npm start`
// with piped input): subscribe, status, off; bad times and zones get the usage line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../redis/redis-server.js';
import { runCrosstalk, shellReplies } from './run-cli.js';

const crosstalk = (input: string, env: Record<string, string>) => runCrosstalk(['run'], input, env);
const replies = (stdout: string) => shellReplies(stdout).map((reply) => reply.trim());

let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-digest-shell-'));
  env = { DATA_DIR: path.join(dir, 'data') };
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('/digest in the shell', () => {
  it('subscribes the channel, reports its status in a later run, and turns it off', async () => {
    const subscribe = await crosstalk('/digest weekly mon 09:00 Europe/Berlin\n', env);
    expect(subscribe.code).toBe(0);
    expect(replies(subscribe.stdout)).toEqual([
      expect.stringMatching(/^Digest for #general: every mon at 09:00 Europe\/Berlin\. Next one: Mon, \d+ \w+ \d{4}, 09:00 Europe\/Berlin\.$/),
    ]);

    const status = await crosstalk('/digest status\n', env);
    expect(replies(status.stdout)).toEqual([expect.stringMatching(/^Digest for #general: every mon at 09:00 Europe\/Berlin\. Next one: Mon, /)]);

    // One subscription per channel: a new schedule replaces the old one.
    await crosstalk('/digest daily 18:30\n', env);
    const replaced = await crosstalk('/digest status\n', env);
    expect(replies(replaced.stdout)).toEqual([expect.stringMatching(/^Digest for #general: daily at 18:30 UTC\. Next one: \w+, .* 18:30 UTC\.$/)]);

    const off = await crosstalk('/digest off\n', env);
    expect(replies(off.stdout)).toEqual(['Digest for #general is off.']);
    const after = await crosstalk('/digest status\n/digest off\n', env);
    expect(replies(after.stdout).sort()).toEqual([
      '#general has no digest to turn off.',
      '#general has no digest. Start one with /digest daily 09:00 [time zone].',
    ]);
  });

  it('answers a bad time or time zone with the usage line and subscribes nothing', async () => {
    const run = await crosstalk('/digest daily 25:00\n/digest weekly mon 09:00 Mars/Olympus\n/digest fortnightly\n', env);
    expect(run.code).toBe(0);
    const out = replies(run.stdout);
    expect(out).toHaveLength(3);
    for (const reply of out) expect(reply).toMatch(/^Usage: \/digest daily HH:MM \[time zone\]/);
    expect(out.join('\n')).toContain('the time must be HH:MM on a 24-hour clock');
    expect(out.join('\n')).toContain('"Mars/Olympus" is not a time zone');

    const status = await crosstalk('/digest status\n', env);
    expect(replies(status.stdout)[0]).toMatch(/^#general has no digest/);
  });

  it('digests the channel on /digest now, offline, with each bullet linked to its message', async () => {
    const input = ['we decided to ship on friday', 'can you @ana update the runbook please', 'what about the staging database?', '/digest now', ''].join('\n');
    const run = await crosstalk(input, env);
    expect(run.code).toBe(0);
    const out = replies(run.stdout);
    expect(out[0]).toBe('Digesting #general since its last digest; it follows here.');
    const digest = out[1]!;
    expect(digest).toContain('Offline mode');
    expect(digest).toMatch(/\*Decisions\*\n• we decided to ship on friday \[source: [\w.]+\]/);
    expect(digest).toMatch(/\*Action items\*\n• ana: can you @ana update the runbook please \[source: [\w.]+\]/);
    expect(digest).toMatch(/\*Open questions\*\n• what about the staging database\? \[source: [\w.]+\]/);
  });

  it('says why a /kb add of a URL failed', async () => {
    // A port nothing listens on: taken from the OS, then released.
    const port = await freePort();
    const run = await crosstalk(`/kb add http://127.0.0.1:${port}/nothing-listens-here\n`, env);
    expect(run.code).toBe(0);
    const out = replies(run.stdout);
    expect(out[0]).toMatch(/^Adding that to workspace knowledge/);
    expect(out[1]).toBe(
      `Could not add http://127.0.0.1:${port}/nothing-listens-here: fetching it failed (ECONNREFUSED). Paste the text with /kb add <text> instead.`,
    );
  });
});
