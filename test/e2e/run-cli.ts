// Runs `crosstalk` as a user would (`node --import tsx src/cli.ts …`), with piped input and
// only the environment given, and reads the shell's replies from what it printed.
import { spawn } from 'node:child_process';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCrosstalk(args: string[], input: string, env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The bot's replies in the shell's output, in the order they were printed. */
export const shellReplies = (stdout: string) => stdout.split(/^crosstalk(?: \[thread \d+\])? › /m).slice(1);
