/** A description of the machine the figures were taken on. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly os: string;
  /** 1-minute load average when the bench started: other work on the machine skews figures. */
  readonly loadAverage: number;
  /** The commit measured (uncommitted changes in the tree are not shown). */
  readonly commit: string;
  readonly date: string;
}

function osName(): string {
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1];
    if (pretty !== undefined) return `${pretty} (${os.type()} ${os.release()} ${os.arch()})`;
  } catch {
    // Not Linux, or no os-release: the kernel's name will do.
  }
  return `${os.type()} ${os.release()} ${os.arch()}`;
}

function commit(cwd: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export function describeMachine(cwd: string): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() || "unknown",
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    os: osName(),
    loadAverage: os.loadavg()[0] ?? 0,
    commit: commit(cwd),
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
}

/** The 1-minute load average now. */
export function loadNow(): number {
  return os.loadavg()[0] ?? 0;
}

/** The machine in one line; `load` (start and end of one workload) replaces the bench's start. */
export function machineLine(m: Machine, load?: { start: number; end: number }): string {
  const loads =
    load === undefined
      ? `load ${m.loadAverage.toFixed(2)} at start`
      : `load ${load.start.toFixed(2)} at start, ${load.end.toFixed(2)} at the end`;
  return (
    `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB; Node ${m.node}; ${m.os}; ` +
    `${loads}; commit ${m.commit}; ${m.date}`
  );
}
