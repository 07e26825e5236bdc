// What the HTTP receiver does with a signed request that Bolt cannot take to a listener. Bolt's
// defaults answer a body it cannot take apart (`event: null`, `actions: 5`, a shortcut without a
// team) with 500 and an error line without the error, then log 3 s later that it was never
// acknowledged; and a payload no listener takes (a button click, while the manifest leaves
// interactivity off) waits 3 s for a 404 whose error line does not say what came. Both are the
// sender's doing, not a server fault: answer 400 (at once) and 404 (after Bolt's wait), with a
// warning that names the payload.
import type { IncomingMessage } from 'node:http';
import { HTTPModuleFunctions, type BufferedIncomingMessage, type HTTPReceiverOptions } from '@slack/bolt';
import type { Logger } from '../../../src/logger.js';
import { payloadKind } from '../events/payload-fields.js';
import { ACK_DEADLINE_MS } from '../limits.js';

type UnroutedHandlers = Required<Pick<HTTPReceiverOptions, 'processEventErrorHandler' | 'unhandledRequestHandler'>>;

const PROBLEM_CHARS = 200;

export function unroutedRequestHandlers(log: Logger): UnroutedHandlers {
  return {
    // Bolt throws from processEvent only while taking the body apart: listener errors go to app.error.
    processEventErrorHandler: async ({ error, request, response }) => {
      const payload = requestKind(request);
      if (response.headersSent) {
        log.error({ err: error, payload }, `a signed Slack ${payload} failed after it was acknowledged`);
      } else {
        // V8 quotes the offending value (`Cannot use 'in' operator to search for 'channel' in …`), whatever its size.
        const problem = error.message.slice(0, PROBLEM_CHARS);
        log.warn({ payload, problem }, `answered 400 to a signed Slack ${payload} that Bolt could not read: ${problem}`);
        HTTPModuleFunctions.buildNoBodyResponse(response, 400);
      }
      // Acknowledged: stops Bolt's 3 s unhandled-request timer for this request.
      return true;
    },
    unhandledRequestHandler: ({ request, response }) => {
      const payload = requestKind(request);
      log.warn({ payload }, `no listener took a signed Slack ${payload} within ${ACK_DEADLINE_MS / 1000} s (the app does not handle it); answered 404`);
      if (!response.headersSent) HTTPModuleFunctions.buildNoBodyResponse(response, 404);
    },
  };
}

/** Bolt has buffered and parsed the body by the time either handler runs; this reads it again. */
function requestKind(request: IncomingMessage): string {
  try {
    return payloadKind(HTTPModuleFunctions.parseHTTPRequestBody(request as BufferedIncomingMessage));
  } catch {
    return 'payload that does not parse';
  }
}
