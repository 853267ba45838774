import { readFileSync } from 'node:fs';
import type { OutstandingHandle } from '../../src/capture/agent/agent-types.js';
import { agentEnvironment } from '../../src/capture/agent/install.js';
import type { Frame } from '../../src/model/frame.js';
import { type CliResult, runProcess } from './run-cli.js';

/** The 1-based line of `// LEAK:<kind>` in a fixture file. */
export function markerLine(file: string, kind: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`LEAK:${kind}`) && (l.endsWith(`LEAK:${kind}`) || /LEAK:\w+\s*$/.test(l)));
  if (i < 0) throw new Error(`no LEAK:${kind} marker in ${file}`);
  return i + 1;
}

export interface AgentDump {
  pid: number;
  handles: OutstandingHandle[];
  stacks: Record<number, Frame[]>;
}

/** Runs a fixture with the agent preloaded (as `leaktrace handles` does) and parses its JSON. */
export async function runWithAgent(
  file: string,
  args: string[] = [],
  options: { agent?: Record<string, unknown>; timeoutMs?: number } = {},
): Promise<CliResult & { json: AgentDump }> {
  const env = agentEnvironment({ control: false, ...options.agent });
  const r = await runProcess(process.execPath, [file, ...args], { env, timeoutMs: options.timeoutMs ?? 60_000 });
  let json: AgentDump;
  try {
    json = JSON.parse(r.stdout) as AgentDump;
  } catch {
    throw new Error(`no JSON from ${file} (exit ${r.code}): ${r.stdout.slice(0, 500)}\n${r.stderr}`);
  }
  return { ...r, json };
}

/** The first frame of `file` in a stack. */
export function frameIn(frames: readonly Frame[] | undefined, file: string): Frame | undefined {
  return frames?.find((f) => f.file === file);
}
