import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { AgentApi, AgentModule, AgentOptions } from './agent-types.js';

/**
 * The typed way to the handle agent (agent.cts, compiled to agent.cjs): install it in this
 * thread, configure it for a process about to be started, or build the expression that
 * installs it in a running process through the inspector. See agent-types.ts for its API.
 */

/** Absolute path of the compiled agent, for `node --require`. */
export const AGENT_PATH: string = fileURLToPath(new URL('./agent.cjs', import.meta.url));

/** The environment variable the preloaded agent reads its options from (JSON). */
export const AGENT_ENV = 'LEAKTRACE_AGENT';

/** The symbol under which an installed agent is published on globalThis. */
export const AGENT_GLOBAL: symbol = Symbol.for('leaktrace.agent');

let agentModule: AgentModule | undefined;

function load(): AgentModule {
  agentModule ??= createRequire(import.meta.url)(AGENT_PATH) as AgentModule;
  return agentModule;
}

/**
 * Installs the agent in the current thread (idempotent: a second call returns the agent
 * already installed, with its first options). Tracking starts now: handles opened earlier
 * are not known (`info().preexisting` counts them by kind).
 */
export function installAgent(options: AgentOptions = {}): AgentApi {
  return load().installAgent(options);
}

/** The agent installed in this thread, if any (by whichever route it came). */
export function getAgent(): AgentApi | undefined {
  return (globalThis as Record<symbol, AgentApi | undefined>)[AGENT_GLOBAL];
}

/**
 * Environment for a child process that should run with the agent preloaded: NODE_OPTIONS
 * gains `--require <agent>` (so Node processes the child starts in turn are traced too, each
 * with its own pid in the records), LEAKTRACE_AGENT carries the options.
 */
export function agentEnvironment(options: AgentOptions, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const quoted = `"${AGENT_PATH.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const nodeOptions = [base.NODE_OPTIONS, `--require ${quoted}`].filter(Boolean).join(' ');
  return { ...base, NODE_OPTIONS: nodeOptions, [AGENT_ENV]: JSON.stringify({ control: true, fromProcessStart: true, ...options }) };
}

/**
 * A Runtime.evaluate expression that installs the agent in the target and returns its
 * `info()`. Evaluate it with `includeCommandLineAPI: true` (which provides `require`) and
 * `returnByValue: true`. The agent's text is wrapped in a function taking `require`, so it
 * needs nothing from the target's module system.
 */
export function remoteInstallExpression(options: AgentOptions = {}): string {
  const text = readFileSync(AGENT_PATH, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  const opts = JSON.stringify({ fromProcessStart: false, ...options });
  return [
    '(function (require) {',
    "  const module = { exports: {} }; const exports = module.exports; const __filename = 'leaktrace-agent.cjs';",
    text,
    `  return module.exports.installAgent(${opts}).info();`,
    '})(require)',
    '//# sourceURL=leaktrace-agent.cjs',
  ].join('\n');
}
