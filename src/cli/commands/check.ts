import type { CommandSpec } from '../command.js';
import { parseChoice, parseCount, parseDuration } from '../parse-values.js';

export const checkCommand: CommandSpec = {
  name: 'check',
  summary: 'run one operation many times and report what it leaks (exit 1 when it leaks)',
  usage: 'check <module> [--iterations N] [--warmup W] [--json]',
  details: [
    "The module's default export is one run of the operation (sync or async); optional `setup`",
    'and `teardown` exports run once before and after. ESM or CommonJS; .ts through tsx when the',
    'project has it (or Node >= 22.6). The check runs in a child process: warm-up, then',
    'measurements after a full GC between batches of runs; an allocation site, handle or',
    'descriptor is a leak when it keeps growing across them (a cache that fills and stops is not).',
    'By default iterations are sized to take a few seconds and uncertain growth is measured longer.',
  ].join('\n'),
  options: {
    iterations: { type: 'string', valueName: 'N', description: 'measured runs (default: sized to ~3 s, 80..5000)' },
    warmup: { type: 'string', valueName: 'W', description: 'runs before measuring (default: ~1 s worth, 10..200)' },
    measurements: { type: 'string', valueName: 'K', description: 'measurements across the measured runs', default: '8' },
    mode: {
      type: 'string',
      valueName: 'exact|sampling',
      description:
        'exact: every allocation recorded (exact counts); sampling: one sample per 32 KiB, cheaper where the operation allocates a lot',
      default: 'exact',
    },
    threshold: { type: 'string', valueName: 'P', description: 'probability from which a suspect is a leak', default: '0.5' },
    timeout: { type: 'string', valueName: 'DURATION', description: 'longest one run of the operation may take', default: '60s' },
    html: { type: 'string', valueName: 'FILE', description: 'also write a self-contained HTML report' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const v = ctx.values;
    const threshold = Number(v.threshold);
    if (!(threshold > 0 && threshold <= 1)) {
      const { UsageError } = await import('../../errors.js');
      throw new UsageError(`--threshold must be a probability in (0, 1], got '${v.threshold}'`);
    }
    const options = {
      iterations: v.iterations !== undefined ? parseCount('iterations', String(v.iterations), 1) : undefined,
      warmup: v.warmup !== undefined ? parseCount('warmup', String(v.warmup), 0) : undefined,
      measurements: parseCount('measurements', String(v.measurements), 4),
      // exact: every allocation recorded (interval 1, exact counts); sampling: one sample per
      // 32 KiB as `run` takes, for operations that allocate a lot (counts are estimates).
      samplingInterval: parseChoice('mode', String(v.mode), ['exact', 'sampling'] as const) === 'sampling' ? 32 * 1024 : 1,
      threshold,
      operationTimeoutMs: parseDuration('timeout', String(v.timeout)),
    };
    const { runCheck } = await import('../run-check.js');
    return runCheck(ctx, ctx.positionals[0], options, v.html as string | undefined);
  },
};
