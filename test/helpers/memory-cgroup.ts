import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A memory cgroup of the test's own (v1 or v2, whichever this machine mounts), for a target
 * that must run under a memory limit as in a container. Needs root; `create` says why not
 * otherwise, and the test skips.
 */
export class MemoryCgroup {
  private constructor(
    readonly dir: string,
    private readonly v2: boolean,
  ) {}

  static create(name: string): MemoryCgroup | string {
    const v1Root = '/sys/fs/cgroup/memory';
    const v2 = !existsSync(v1Root) && existsSync('/sys/fs/cgroup/cgroup.controllers');
    const root = v2 ? '/sys/fs/cgroup' : v1Root;
    if (!existsSync(root)) return 'no memory cgroup is mounted';
    if (v2 && !readFileSync(join(root, 'cgroup.subtree_control'), 'utf8').includes('memory'))
      return 'cgroup v2 without the memory controller for children';
    const dir = join(root, `${name}-${process.pid}`);
    try {
      mkdirSync(dir);
    } catch (err) {
      return `cannot create a memory cgroup: ${(err as Error).message}`;
    }
    return new MemoryCgroup(dir, v2);
  }

  /** Moves the process into the group. */
  add(pid: number): void {
    writeFileSync(join(this.dir, 'cgroup.procs'), String(pid));
  }

  /** The group's charged memory now (bytes). */
  usage(): number {
    return Number(readFileSync(join(this.dir, this.v2 ? 'memory.current' : 'memory.usage_in_bytes'), 'utf8'));
  }

  limit(bytes: number): void {
    writeFileSync(join(this.dir, this.v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(bytes));
  }

  /** Removes the group; its processes must have exited. */
  remove(): void {
    for (let i = 0; i < 20; i++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      }
    }
  }
}
