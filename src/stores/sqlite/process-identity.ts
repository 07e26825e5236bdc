// Which process holds an embedded lock, in terms another process on the same machine can check:
// a lock whose holder has died is free at once instead of after its TTL. Linux only (it reads
// /proc); elsewhere, and across machines or containers, the TTL alone frees a lock.
import fs from 'node:fs';

/** A process, named so that neither another machine's process nor a reused pid can pass for it. */
export interface ProcessIdentity {
  /** The kernel boot and pid namespace the pid belongs to: pids compare only within one. */
  pidSpace: string;
  pid: number;
  /** When the process started, in clock ticks since boot: a reused pid starts later. */
  startTicks: string;
}

const ownPidSpace = readPidSpace();

/** The identity of a running process in this pid namespace, or undefined where /proc cannot tell. */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  const startTicks = readStat(pid)?.startTicks;
  return ownPidSpace === undefined || startTicks === undefined ? undefined : { pidSpace: ownPidSpace, pid, startTicks };
}

/**
 * True only when sure: the holder shared this pid namespace and is gone, a zombie, or its pid
 * now names a later process. Anything this process cannot see counts as alive.
 */
export function hasDied(holder: ProcessIdentity): boolean {
  if (holder.pidSpace !== ownPidSpace || !Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  try {
    // Signal 0 only asks whether the pid exists; unlike /proc it also sees other users' processes
    // when /proc is mounted with hidepid.
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const stat = readStat(holder.pid);
  if (!stat) return false;
  return stat.state === 'Z' || stat.state === 'X' || stat.startTicks !== holder.startTicks;
}

function readPidSpace(): string | undefined {
  try {
    return `${fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()} ${fs.readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return undefined;
  }
}

/** State and start time from /proc/<pid>/stat (fields 3 and 22; the command name before them may hold spaces). */
function readStat(pid: number): { state: string; startTicks: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, startTicks] = [fields[0], fields[19]];
  return state && startTicks ? { state, startTicks } : undefined;
}
