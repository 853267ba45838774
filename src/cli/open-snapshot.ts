import { basename } from 'node:path';
import { SnapshotAnalysis } from '../analysis/snapshot/analysis.js';
import { loadSnapshot } from '../model/snapshot/load.js';
import type { CommandContext } from './command.js';

/**
 * Loads a snapshot for a command with a progress bar (TTY only), and runs the passes the
 * command needs while the bar is still up, so a big file never sits silent.
 */
export async function openSnapshot(path: string, ctx: CommandContext, needs: { paths?: boolean } = {}): Promise<SnapshotAnalysis> {
  const bar = ctx.out.progress(basename(path));
  try {
    const snapshot = await loadSnapshot(path, { onProgress: bar.update, signal: ctx.signal });
    const analysis = new SnapshotAnalysis(snapshot, { onProgress: bar.update });
    void analysis.dominators;
    if (needs.paths) void analysis.paths;
    return analysis;
  } finally {
    bar.done();
  }
}
