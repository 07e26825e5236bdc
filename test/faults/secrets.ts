// The credentials the fault suite gives its apps: distinctive, so the log scan
// (log-secrets.test.ts) can tell for certain whether one was written anywhere.
export const FAULT_BOT_TOKEN = 'xoxb-faults-7c1e0f5a2b9d4e6f8a0b1c2d3e4f5061';
export const FAULT_OPENAI_KEY = 'sk-faults-3f9a1b7c5d2e4f6a8b0c1d3e5f7a9b2c';
export const FAULT_REDIS_PASSWORD = 'faults-redis-pass-5e8d2c7b1a9f';
/** Everything the scan looks for: the above and the signing secret the Slack harness signs with. */
export { SIGNING_SECRET as FAULT_SIGNING_SECRET } from '../e2e/slack-harness.js';
