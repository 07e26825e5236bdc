// A small team knowledge base and questions about it, shared by the benchmarks, so every turn
// recalls real passages and the offline model quotes them as it would for a user.
import type { KnowledgeStore } from '../src/stores/ports.js';

export const BENCH_WORKSPACE = 'local';

const PASSAGES: Array<{ title: string; text: string }> = [
  { title: 'Deploy process', text: 'We deploy from the main branch with the release pipeline. Every deploy needs a green CI run and one approving review. Deploys are paused on Fridays after 3 pm.' },
  { title: 'Rollback', text: 'To roll back, re-run the release pipeline on the previous tag. The on-call engineer decides on a rollback and announces it in #incidents.' },
  { title: 'On-call rotation', text: 'On-call rotates weekly on Mondays at 10 am. The primary answers pages within 15 minutes; the secondary covers when the primary is unreachable.' },
  { title: 'Incident severity', text: 'SEV1 means customers cannot use the product; SEV2 means a major feature is broken; SEV3 is a minor bug. SEV1 and SEV2 need a postmortem within five working days.' },
  { title: 'Postmortems', text: 'Postmortems are blameless. They list the timeline, the root cause, what went well and follow-up tasks with owners and due dates.' },
  { title: 'Code review', text: 'Reviews should land within one working day. Keep pull requests under 400 lines where possible and describe how you tested the change.' },
  { title: 'Branching', text: 'Feature branches start from main and are named after their ticket. Rebase on main before merging; squash merges keep the history readable.' },
  { title: 'Vacation policy', text: 'Request vacation in the HR portal at least two weeks ahead. Tell your team in #team-calendar and hand over on-call shifts before you leave.' },
  { title: 'Expenses', text: 'Submit expenses within 30 days with a receipt. Travel over 500 euros needs approval from your manager before booking.' },
  { title: 'Onboarding', text: 'New engineers get a buddy for their first month. The first week covers laptop setup, access requests and shipping a small fix to production.' },
  { title: 'Laptop setup', text: 'Laptops come with disk encryption enabled. Install the developer toolchain with the bootstrap script in the handbook repository.' },
  { title: 'Access requests', text: 'Ask for production database access through the access portal. Access expires after 30 days and needs a reason linked to a ticket.' },
  { title: 'Database migrations', text: 'Migrations must be backward compatible with the running release. Add columns first, backfill, then switch reads in a later deploy.' },
  { title: 'Feature flags', text: 'New features ship behind feature flags. Remove a flag within two sprints of full rollout so dead code does not pile up.' },
  { title: 'Logging', text: 'Logs are structured JSON. Never log passwords, tokens or personal data; use the redaction helper for request bodies.' },
  { title: 'Monitoring', text: 'Every service exposes health and metrics endpoints. Alerts page on-call only for symptoms users feel, such as error rate and latency.' },
  { title: 'Security reports', text: 'Report a suspected security issue to the security channel right away. Do not discuss vulnerabilities in public channels until they are fixed.' },
  { title: 'Meetings', text: 'Stand-up is at 9:30 am and lasts fifteen minutes. Planning happens every second Tuesday; retrospectives close each sprint.' },
  { title: 'Release notes', text: 'Release notes are written by the engineer who merges the change. Customer-facing changes also go to the support team before the release.' },
  { title: 'Support escalation', text: 'Support escalates tickets to engineering through the triage board. Triage happens daily at 2 pm and assigns an owner to every escalated ticket.' },
];

// Questions steer clear of words like "earlier" or "recap", so the offline model answers from
// knowledge instead of reading the thread, the same path for every turn.
export const QUESTIONS = [
  'how do we deploy to production?',
  'how do I roll back a bad release?',
  'when does the on-call rotation change?',
  'which incidents need a postmortem?',
  'what goes into a postmortem document?',
  'how fast should code reviews land?',
  'how should feature branches be named?',
  'how do I request vacation?',
  'when are expenses due and who approves travel?',
  'what happens in the first onboarding week?',
  'how do I set up my laptop?',
  'how do I get production database access?',
  'how do we write database migrations safely?',
  'when should a feature flag be removed?',
  'what must never appear in logs?',
  'when do alerts page the on-call engineer?',
  'where do I report a security issue?',
  'when is stand-up and planning?',
  'who writes the release notes?',
  'how does support escalate tickets to engineering?',
];

/** The question for turn `index`, varied so no two turns in a row ask the same thing. */
export function questionFor(index: number): string {
  return QUESTIONS[index % QUESTIONS.length]!;
}

export async function seedKnowledge(knowledge: KnowledgeStore, workspaceId = BENCH_WORKSPACE): Promise<void> {
  for (const [index, passage] of PASSAGES.entries()) {
    await knowledge.replaceSource(workspaceId, { id: `handbook/${index + 1}.md`, title: passage.title }, [passage.text]);
  }
}
