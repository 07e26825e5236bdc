// The shell as a user runs it: `npm start` with piped input, `crosstalk ingest`, bad setups.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedStores } from '../../src/stores/embedded.js';
import { runCrosstalk as crosstalk, shellReplies as replies } from './run-cli.js';

let dir: string;
let env: Record<string, string>;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-shell-'));
  env = { DATA_DIR: path.join(dir, 'data') };
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.writeFileSync(
    path.join(dir, 'docs', 'deploy.md'),
    '# Deploy guide\n\nTo deploy, run `make release` from main. The pipeline deploys to staging first, then to production after a reviewer approves.\n',
  );
  fs.writeFileSync(path.join(dir, 'docs', 'holidays.md'), '# Holidays\n\nThe office closes between Christmas and New Year.\n');
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the shell', () => {
  it('answers a piped mention from ingested knowledge, cites it, and exits 0 when input ends', async () => {
    const ingest = await crosstalk(['ingest', path.join(dir, 'docs')], '', env);
    expect(ingest.code).toBe(0);
    expect(ingest.stderr).toContain('Ingested 2 files');

    const run = await crosstalk(['run'], '@crosstalk what is our deploy process?\n', env);
    expect(run.code).toBe(0);
    const [answer, ...others] = replies(run.stdout);
    expect(others).toEqual([]);
    expect(answer).toContain('no language model is configured');
    expect(answer).toContain('To deploy, run `make release` from main.');
    expect(answer).toMatch(/Sources:\n\[1\] Deploy guide \(deploy\.md\)/);
    expect(answer).not.toContain('Holidays');
  });

  it('answers thread follow-ups without a mention and records chatter without answering it', async () => {
    const input = ['just chatting before anyone asks', '@crosstalk when does the office close?', '/new', 'more chatter', ''].join('\n');
    const run = await crosstalk(['run'], input, env);
    expect(run.code).toBe(0);
    expect(replies(run.stdout)).toHaveLength(1);

    const stores = openEmbeddedStores(env.DATA_DIR!);
    try {
      const channel = { platform: 'shell', workspaceId: 'local', channelId: 'general' } as const;
      const entries = await stores.transcripts.channelSince(channel, new Date(0));
      expect(entries.filter((entry) => entry.direction === 'inbound').map((entry) => entry.text)).toEqual([
        'just chatting before anyone asks',
        '@crosstalk when does the office close?',
        'more chatter',
      ]);
      expect(entries.filter((entry) => entry.direction === 'outbound')).toHaveLength(1);
    } finally {
      await stores.close();
    }
  });

  it('runs the slash commands and answers an unknown one with a usage line', async () => {
    // /kb add is queued as a job: acknowledged at once, confirmed when the passages are in.
    const add = await crosstalk(['run'], '/kb add The wifi password is in the shared vault.\n', env);
    expect(add.code).toBe(0);
    const added = replies(add.stdout);
    expect(added).toHaveLength(2);
    expect(added[0]).toMatch(/^Adding that to workspace knowledge/);
    expect(added[1]).toMatch(/^Added to workspace knowledge as "Note from you: The wifi password/);

    const run = await crosstalk(['run'], '/kb search wifi\n/help\n/frobnicate now\n', env);
    expect(run.code).toBe(0);
    const out = replies(run.stdout);
    expect(out).toHaveLength(3);
    expect(out[0]).toContain('The wifi password is in the shared vault.');
    expect(out[1]).toContain('/kb search <query>');
    expect(out[2]).toMatch(/^Unknown command \/frobnicate\. Commands: \/ask <question>/);
  });

  it('answers an empty mention with a hint and keeps control characters out', async () => {
    const run = await crosstalk(['run'], '@crosstalk\n@crosstalk what\u0007 is \u001b[31mour deploy\u0000 process?\n', env);
    expect(run.code).toBe(0);
    const out = replies(run.stdout);
    expect(out[0]).toMatch(/^Hi! Ask me anything/);
    expect(out).toHaveLength(2);
    // eslint-disable-next-line no-control-regex -- checking that control characters were removed is the point
    expect(run.stdout).not.toMatch(/[\u0000\u0007\u001b]/);
  });

  it('stops at start with one clear line for a bad setting', async () => {
    const run = await crosstalk(['run'], '', { ...env, OPENAI_BASE_URL: 'not a url' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^crosstalk: OPENAI_BASE_URL=not a url is not an http\(s\) URL: use e\.g\./);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('stops at start with a clear message when DATA_DIR holds a corrupt database', async () => {
    fs.mkdirSync(env.DATA_DIR!);
    fs.writeFileSync(path.join(env.DATA_DIR!, 'crosstalk.db'), 'this is not a database, just text '.repeat(200));
    const run = await crosstalk(['run'], '@crosstalk hello\n', env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/crosstalk\.db could not be opened as an SQLite database .*move it aside/);
  });

  it('stops at start with a clear message when DATA_DIR cannot be written', async () => {
    fs.writeFileSync(path.join(dir, 'a-file'), '');
    const run = await crosstalk(['run'], '', { DATA_DIR: path.join(dir, 'a-file', 'data') });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/DATA_DIR .* is not a writable folder/);
  });

  it('says what to pass when ingest is given a missing path', async () => {
    const run = await crosstalk(['ingest', path.join(dir, 'nope')], '', env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/nope does not exist: pass a Markdown or text file, or a folder/);
  });
});
