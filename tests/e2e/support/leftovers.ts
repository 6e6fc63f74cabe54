// Finds processes a stopped terminal left behind. A training terminal runs one socat per virtual
// device, each with its link paths (inside the terminal's data dir) on its command line; after
// `kassa serve` has exited none may remain, or the next run finds ptys held and links stolen.
//
// Decisions a caller must know:
// - A process counts as left behind when its command line contains `marker` (the data dir):
//   nothing else on the machine names that folder, so the check never blames another helper's
//   socat and never needs a broad name match.
// - Linux only (/proc). Elsewhere the list is empty, which the caller may not read as "clean".
// - killLeftovers ends exactly the processes found, by pid, so a failed check does not leave
//   ptys held for the rest of the run.
// Hand-written: ps-list style packages shell out to `ps` and add a dependency for ten lines.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface LeftoverProcess {
  readonly pid: number;
  readonly command: string;
}

export function leftoverProcesses(marker: string): LeftoverProcess[] {
  if (!existsSync('/proc')) return [];
  const found: LeftoverProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue; // gone while we looked
    }
    if (command.includes(marker)) found.push({ pid, command });
  }
  return found;
}

export function killLeftovers(list: readonly LeftoverProcess[]): void {
  for (const p of list) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
