// The Docker image cannot be built here (no container engine), so tests and benchmarks build the
// same production output the image's build stage does (`tsc -p tsconfig.build.json`) into a temp
// folder laid out like the image's /app (package.json, node_modules, dist/), and start it with
// the Dockerfile's own commands.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ProductionImage {
  /** The image's /app. */
  dir: string;
  /** The Dockerfile's CMD, exec form: `['node', 'dist/src/cli.js', 'run']`. */
  command: string[];
  /** The Dockerfile's HEALTHCHECK command, exec form. */
  healthcheck: string[];
  remove(): Promise<void>;
}

export async function buildProductionImage(): Promise<ProductionImage> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'crosstalk-image-'));
  await fs.copyFile(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  await fs.symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', path.join(dir, 'dist')], { cwd: ROOT, timeout: 240_000, maxBuffer: 10_000_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`npm run build failed:\n${stdout}${stderr}`)) : resolve(),
    );
  });
  const dockerfile = await fs.readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
  return {
    dir,
    command: dockerfileCommand('CMD', dockerfile),
    healthcheck: dockerfileCommand('HEALTHCHECK', dockerfile),
    remove: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

function dockerfileCommand(instruction: 'CMD' | 'HEALTHCHECK', dockerfile: string): string[] {
  const joined = dockerfile.replace(/\\\n\s*/gu, ' ');
  const line = joined.split('\n').find((candidate) => candidate.startsWith(`${instruction} `));
  const json = /CMD (\[.*\])\s*$/u.exec(line ?? '')?.[1];
  if (!json) throw new Error(`The Dockerfile has no ${instruction} in exec form`);
  return JSON.parse(json) as string[];
}
