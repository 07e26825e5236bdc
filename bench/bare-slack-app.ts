// The slack-ack benchmark's baseline: a Bolt app on the same HTTP receiver and HTTP server class
// as Crosstalk that acks every request and does nothing else, run as its own process. It logs the
// two lines the benchmark's process runner waits for, in Crosstalk's JSON log format.
import { App, HTTPReceiver } from '@slack/bolt';
import { slackClientOptions } from '../adapters/slack/web-api/client-options.js';
import { HttpServer } from '../src/http/server.js';
import { createLogger } from '../src/logger.js';

const { SLACK_SIGNING_SECRET = '', SLACK_API_URL } = process.env;
const logger = createLogger('info');
const receiver = new HTTPReceiver({ signingSecret: SLACK_SIGNING_SECRET, endpoints: '/slack/events', processBeforeResponse: false });
const app = new App({ receiver, token: 'xoxb-bare', clientOptions: slackClientOptions(SLACK_API_URL) });
app.event('app_mention', async () => {});
const http = new HttpServer(logger).route('POST', '/slack/events', receiver.requestListener);
logger.info({ port: await http.listen(0, '127.0.0.1') }, 'HTTP server listening');
logger.info('Slack HTTP receiver mounted');
process.once('SIGTERM', () => void http.close().then(() => process.exit(0)));
