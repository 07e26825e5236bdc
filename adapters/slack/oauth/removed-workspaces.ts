// When Slack says a workspace removed the app (`app_uninstalled`) or revoked its bot token
// (`tokens_revoked`), its installation is deleted: later events from it then stop at Bolt's
// authorize instead of failing on a dead token. Slack does not order the two events, so the
// second delete finds nothing, which is fine.
import type { Logger } from '../../../src/logger.js';
import type { SlackInstallationStore } from './installation-store.js';

/** The workspace an event came from, as Bolt's context names it. */
export interface EventWorkspace {
  teamId?: string;
  enterpriseId?: string;
  isEnterpriseInstall: boolean;
}

export type ForgetWorkspace = (workspace: EventWorkspace, reason: string) => Promise<void>;

/** Without a store (one workspace, SLACK_BOT_TOKEN), there is nothing to delete: the line says what to do. */
export function forgetRemovedWorkspaces(store: SlackInstallationStore | undefined, log: Logger): ForgetWorkspace {
  return async ({ teamId, enterpriseId, isEnterpriseInstall }, reason) => {
    const workspace = teamId ?? enterpriseId;
    if (!store) {
      log.warn({ workspace }, `Slack workspace ${workspace}: ${reason}; SLACK_BOT_TOKEN no longer works there until the app is reinstalled`);
      return;
    }
    await store.deleteInstallation({ teamId, enterpriseId, isEnterpriseInstall });
    log.info({ workspace }, `Slack workspace ${workspace}: ${reason}; its installation is deleted`);
  };
}
