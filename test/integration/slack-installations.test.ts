// OAuth installations in the embedded SQLite file: Bolt's store shape round-trips, and the bot
// token is never on disk in the clear.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Installation } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackInstallationStore } from '../../adapters/slack/oauth/installation-store.js';
import { DATABASE_FILE } from '../../src/stores/sqlite/database.js';
import { openInstallationRecords } from '../../src/stores/sqlite/installations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const installation = {
  team: { id: 'T0ACME', name: 'Acme' },
  enterprise: undefined,
  isEnterpriseInstall: false,
  bot: { token: 'xoxb-secret-bot-token-123', scopes: ['chat:write'], id: 'B1', userId: 'U0BOT' },
  user: { id: 'U0ADMIN', token: undefined, scopes: undefined },
  tokenType: 'bot',
  appId: 'A1',
  authVersion: 'v2',
} as Installation<'v2', false>;

describe('Slack installation store on SQLite', () => {
  it('stores, finds and deletes an installation, encrypted at rest', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crosstalk-install-'));
    dirs.push(dir);
    const key = randomBytes(32);
    const opened = openInstallationRecords(dir, key);
    const store = new SlackInstallationStore(opened.records);
    await store.storeInstallation(installation);
    expect((await store.fetchInstallation({ teamId: 'T0ACME', isEnterpriseInstall: false, enterpriseId: undefined })).bot?.token).toBe('xoxb-secret-bot-token-123');
    opened.close();

    const file = fs.readFileSync(path.join(dir, DATABASE_FILE));
    const wal = fs.existsSync(path.join(dir, `${DATABASE_FILE}-wal`)) ? fs.readFileSync(path.join(dir, `${DATABASE_FILE}-wal`)) : Buffer.alloc(0);
    expect(Buffer.concat([file, wal]).includes('xoxb-secret')).toBe(false);

    const wrongKey = openInstallationRecords(dir, randomBytes(32));
    await expect(new SlackInstallationStore(wrongKey.records).fetchInstallation({ teamId: 'T0ACME', isEnterpriseInstall: false, enterpriseId: undefined })).rejects.toThrow();
    wrongKey.close();

    const again = openInstallationRecords(dir, key);
    const reopened = new SlackInstallationStore(again.records);
    await reopened.deleteInstallation({ teamId: 'T0ACME', isEnterpriseInstall: false, enterpriseId: undefined });
    await expect(reopened.fetchInstallation({ teamId: 'T0ACME', isEnterpriseInstall: false, enterpriseId: undefined })).rejects.toThrow(/not installed/);
    again.close();
  });
});
