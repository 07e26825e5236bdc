// Failures to Sentry when SENTRY_DSN is set. Failures arrive from error log lines (see
// LoggerOptions.onFailure): adapter, turn and job failures are all logged with `err`, so one
// path reports them all, tagged with platform, workspace and thread key. The SDK is loaded
// only when configured: it is large, and most runs (the shell, tests) do not need it.
import { parseThreadKey } from '../model.js';
import type { LoggedFailure } from '../logger.js';

export interface SentryOptions {
  dsn: string;
  environment: string | undefined;
  release: string | undefined;
  /** LOG_MESSAGE_TEXT=true: the text people wrote may be sent with an event. */
  logMessageText: boolean;
}

export interface ErrorReporter {
  report(failure: LoggedFailure): void;
  /** Sends what is queued; resolves false if that took longer than `timeoutMs`. */
  close(timeoutMs: number): Promise<boolean>;
}

const TAGGED = ['platform', 'component', 'job', 'command', 'turn'] as const;

export async function startSentry(options: SentryOptions): Promise<ErrorReporter> {
  const Sentry = await import('@sentry/node');
  Sentry.initWithoutDefaultIntegrations({
    dsn: options.dsn,
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.release ? { release: options.release } : {}),
    // Only what we report: no automatic tracing, console or HTTP breadcrumbs (they could carry
    // text), no local variables, no request bodies.
    integrations: [Sentry.linkedErrorsIntegration(), Sentry.dedupeIntegration()],
    dataCollection: { userInfo: false, cookies: false, httpHeaders: false, httpBodies: [], urlQueryParams: false, genAI: { inputs: false, outputs: false } },
    enableRuntimeChannelInjection: false,
    beforeBreadcrumb: () => null,
  });
  return {
    report({ error, msg, fields }) {
      Sentry.withScope((scope) => {
        for (const key of TAGGED) {
          const value = fields[key];
          if (typeof value === 'string' || typeof value === 'number') scope.setTag(key, String(value));
        }
        const thread = typeof fields.thread === 'string' ? fields.thread : undefined;
        if (thread) {
          scope.setTag('thread', thread);
          try {
            const ref = parseThreadKey(thread);
            scope.setTag('platform', ref.platform);
            scope.setTag('workspace', ref.workspaceId);
          } catch {
            // Not a thread key; the tag above still names it.
          }
        }
        if (typeof fields.workspace === 'string') scope.setTag('workspace', fields.workspace);
        scope.setExtra('log', msg);
        if (options.logMessageText && typeof fields.text === 'string') scope.setExtra('text', fields.text);
        Sentry.captureException(error instanceof Error ? error : new Error(String(error)));
      });
    },
    close: (timeoutMs) => Sentry.close(timeoutMs),
  };
}
