// Bolt's HTTP receiver reads `body.ssl_check` of whatever JSON a signed request carries, inside a
// promise nobody awaits: a body (or form `payload`) of `null` throws there, and the unhandled
// rejection ends the process. So the events route reads the body first (Bolt then uses the
// buffered copy) and answers a body that cannot be a Slack payload itself: 401 when unsigned,
// 400 (as Bolt answers other malformed bodies) when signed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { defaultBodyLimit, HTTPModuleFunctions, isRawBodyError, isValidSlackRequest } from '@slack/bolt';

/** True when the request was answered here; false when Bolt should take it. */
export async function answeredUnusableBody(request: IncomingMessage, response: ServerResponse, signingSecret: string): Promise<boolean> {
  let raw: string;
  try {
    raw = (await HTTPModuleFunctions.bufferIncomingMessage(request, defaultBodyLimit)).rawBody.toString();
  } catch (error) {
    const tooLarge = isRawBodyError(error) && ((error as { statusCode?: number }).statusCode === 413 || (error as { type?: string }).type === 'entity.too.large');
    HTTPModuleFunctions.buildNoBodyResponse(response, tooLarge ? 413 : 400);
    return true;
  }
  if (isObjectPayload(request.headers['content-type'], raw)) return false;
  const signed = isValidSlackRequest({
    signingSecret,
    body: raw,
    headers: {
      'x-slack-signature': String(request.headers['x-slack-signature'] ?? ''),
      'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
    },
  });
  HTTPModuleFunctions.buildNoBodyResponse(response, signed ? 400 : 401);
  return true;
}

/** False only for a body that parses to something other than an object; Bolt answers unparsable ones. */
function isObjectPayload(contentType: string | undefined, raw: string): boolean {
  let text = raw;
  if (contentType === 'application/x-www-form-urlencoded') {
    const payload = parseQuery(raw).payload;
    if (typeof payload !== 'string') return true;
    text = payload;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return true;
  }
}
