// deploy/kubernetes/discord.yaml runs one Discord shard per pod and every pod on the shared stores.
// The manifest is read as text: its env entries are one-line flow maps, and the project has no
// YAML parser.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const discordManifest = fs.readFileSync(new URL('../../deploy/kubernetes/discord.yaml', import.meta.url), 'utf8');

/** What `pattern` captures in the manifest, which must hold it exactly once. */
function only(pattern: RegExp): string {
  const found = [...discordManifest.matchAll(new RegExp(pattern.source, 'gmu'))].map((match) => match[1]!);
  expect(found, `${pattern} in discord.yaml`).toHaveLength(1);
  return found[0]!;
}

/** The env entry `name` of the Discord container, as written. */
const envEntry = (name: string) => only(new RegExp(`^ +(- \\{ name: ${name}, .*\\})$`));

describe('deploy/kubernetes/discord.yaml', () => {
  it('runs shard N in pod N: SHARD_COUNT is the replica count and DISCORD_SHARDS the pod index', () => {
    const replicas = Number(only(/^ {2}replicas: (\d+)$/));
    expect(envEntry('SHARD_COUNT')).toBe(`- { name: SHARD_COUNT, value: "${replicas}" }`);
    expect(envEntry('DISCORD_SHARDS')).toBe(`- { name: DISCORD_SHARDS, valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } }`);

    const shardsOfPods = Array.from({ length: replicas }, (_, index) =>
      loadConfig({ DISCORD_TOKEN: 'token', DISCORD_APPLICATION_ID: '200000000000000001', SHARD_COUNT: String(replicas), DISCORD_SHARDS: String(index) }).discord?.shards,
    );
    expect(shardsOfPods).toEqual(Array.from({ length: replicas }, (_, index) => [index]));
  });

  it('gives every shard pod the shared Redis and transcript store', () => {
    for (const name of ['REDIS_URL', 'MONGODB_URL']) {
      expect(envEntry(name)).toBe(`- { name: ${name}, valueFrom: { secretKeyRef: { name: crosstalk-secrets, key: ${name} } } }`);
    }
  });
});
