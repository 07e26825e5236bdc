// Bolt's InstallationStore on the project's own InstallationRecords port (encrypted at rest).
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { InstallationRecords } from '../../../src/stores/installations.js';

/** Enterprise-wide installs are stored under the enterprise, others under the workspace. */
export function installationKey(query: { isEnterpriseInstall?: boolean; enterpriseId?: string; teamId?: string }): string {
  if (query.isEnterpriseInstall && query.enterpriseId) return `slack:enterprise:${query.enterpriseId}`;
  if (query.teamId) return `slack:team:${query.teamId}`;
  throw new Error('A Slack installation has neither a team nor an enterprise id');
}

/** No installation for the workspace: never installed, or removed since. */
export class NotInstalledError extends Error {
  override name = 'NotInstalledError';

  constructor(readonly workspace: string | undefined) {
    super(`Crosstalk is not installed in Slack workspace ${workspace} (never installed, or removed since): install it from /slack/install`);
  }
}

/** The NotInstalledError behind an error Bolt and InstallProvider wrapped (in `original`), if any. */
export function notInstalledCause(error: unknown): NotInstalledError | undefined {
  for (let cause = error; cause instanceof Error; cause = (cause as { original?: unknown }).original) {
    if (cause instanceof NotInstalledError) return cause;
  }
  return undefined;
}

export class SlackInstallationStore implements InstallationStore {
  constructor(private readonly records: InstallationRecords) {}

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(installation: Installation<AuthVersion, boolean>): Promise<void> {
    const key = installationKey({
      isEnterpriseInstall: installation.isEnterpriseInstall,
      enterpriseId: installation.enterprise?.id,
      teamId: installation.team?.id,
    });
    await this.records.save(key, JSON.stringify(installation));
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<'v1' | 'v2', boolean>> {
    const record = await this.records.find(installationKey(query));
    if (!record) throw new NotInstalledError(query.teamId ?? query.enterpriseId);
    return JSON.parse(record) as Installation<'v1' | 'v2', boolean>;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.records.delete(installationKey(query));
  }
}
