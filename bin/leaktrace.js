#!/usr/bin/env node
import('../dist/src/cli/main.js')
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
    // The command is over: whatever still holds the event loop open (a connection or a child
    // that a failure left behind) must not keep leaktrace waiting forever. Unref'd: a clean
    // end never waits for it.
    setTimeout(() => {
      process.stderr.write('leaktrace: exiting; something it had started did not finish (a bug in leaktrace)\n');
      process.exit(code);
    }, 10_000).unref();
  });
