// Bolt's InstallationStore on the project's own InstallationRecords port (encrypted at rest).
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { InstallationRecords } from '../../../src/stores/installations.js';

/** Enterprise-wide installs are stored under the enterprise, others under the workspace. */
export function installationKey(query: { isEnterpriseInstall?: boolean; enterpriseId?: string; teamId?: string }): string {
  if (query.isEnterpriseInstall && query.enterpriseId) return `slack:enterprise:${query.enterpriseId}`;
  if (query.teamId) return `slack:team:${query.teamId}`;
  throw new Error('A Slack installation has neither a team nor an enterprise id');
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
    if (!record) throw new Error(`Crosstalk is not installed in Slack workspace ${query.teamId ?? query.enterpriseId}: install it from /slack/install`);
    return JSON.parse(record) as Installation<'v1' | 'v2', boolean>;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.records.delete(installationKey(query));
  }
}
