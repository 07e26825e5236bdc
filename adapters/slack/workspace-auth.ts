// The bot token (and bot user) to use for a workspace outside a request: replies run after the
// ack, when Bolt's per-request context is gone.
import type { InstallationStore, webApi } from '@slack/bolt';
import type { Logger } from '../../src/logger.js';
import { callSlack } from './web-api/calls.js';

export interface WorkspaceAuth {
  token: string;
  botUserId: string | undefined;
}

export type AuthFor = (workspaceId: string) => Promise<WorkspaceAuth>;

/** Single-workspace mode: one token; its bot user comes from auth.test, asked once. */
export function singleTokenAuth(client: webApi.WebClient, token: string, log: Logger): AuthFor {
  let botUserId: Promise<string | undefined> | undefined;
  const lookUp = async () => {
    const result = await callSlack('auth.test', 'idempotent', () => client.auth.test({ token }), log);
    return result.user_id;
  };
  return async () => {
    botUserId ??= lookUp().catch((error: unknown) => {
      botUserId = undefined;
      throw error;
    });
    return { token, botUserId: await botUserId };
  };
}

/** OAuth mode: the workspace's installation (or its enterprise's), from the installation store. */
export function installationAuth(store: InstallationStore, enterpriseOf: (teamId: string) => string | undefined): AuthFor {
  return async (teamId) => {
    const enterpriseId = enterpriseOf(teamId);
    const installation = await store
      .fetchInstallation({ teamId, enterpriseId, isEnterpriseInstall: false })
      .catch(async (error: unknown) => {
        if (!enterpriseId) throw error;
        return store.fetchInstallation({ teamId, enterpriseId, isEnterpriseInstall: true });
      });
    const token = installation.bot?.token;
    if (!token) throw new Error(`The Slack installation for ${teamId} has no bot token: reinstall the app from /slack/install`);
    return { token, botUserId: installation.bot?.userId };
  };
}
