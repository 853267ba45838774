/**
 * Preloaded (`node --require`) into the program `leaktrace run` starts: opens the inspector on
 * 127.0.0.1 at a free port and writes its URL, one line, to the pipe leaktrace passed as the
 * file descriptor named in LEAKTRACE_INSPECTOR_FD. Only in the main thread, once; the variable
 * is removed so the program's own child processes are not affected. Imports nothing but
 * Node's own modules, and never throws into the program.
 */
(() => {
  const fdText = process.env.LEAKTRACE_INSPECTOR_FD;
  if (fdText === undefined) return;
  delete process.env.LEAKTRACE_INSPECTOR_FD;
  try {
    const { isMainThread } = require('node:worker_threads') as typeof import('node:worker_threads');
    if (!isMainThread) return;
    const inspector = require('node:inspector') as typeof import('node:inspector');
    const fs = require('node:fs') as typeof import('node:fs');
    if (!inspector.url()) inspector.open(0, '127.0.0.1', false);
    // The pipe stays open: as the program exits it says so (below), before the inspector
    // closes — Node's own signal to leaktrace (NodeRuntime.waitingForDisconnect) comes after
    // the close, and so never reaches it.
    const fd = Number(fdText);
    fs.writeSync(fd, `${inspector.url()}\n`);
    // Hold the program until leaktrace has connected and started tracking (it then sends
    // Runtime.runIfWaitingForDebugger), so that "tracking began before the first line" is
    // true. If leaktrace never connects, Node's own rule applies: it waits.
    const wait = process.env.LEAKTRACE_WAIT === '1';
    delete process.env.LEAKTRACE_WAIT;
    if (wait) inspector.waitForDebugger();
    // The at-exit snapshot is taken by the program itself, synchronously in its 'exit' event:
    // once its main context is gone, a debugger can no longer see its objects.
    const exitSnapshot = process.env.LEAKTRACE_EXIT_SNAPSHOT;
    delete process.env.LEAKTRACE_EXIT_SNAPSHOT;
    process.on('exit', () => {
      try {
        fs.writeSync(fd, 'exiting\n');
        fs.closeSync(fd);
      } catch {}
      // The handle agent (preloaded before us, so its own exit records are written by now)
      // is unhooked first: a heap snapshot taken at exit with its async hooks still active
      // and an inspector session attached crashed the program (SIGSEGV) one time in three.
      try {
        (globalThis as Record<symbol, { stop?: () => void } | undefined>)[Symbol.for('leaktrace.agent')]?.stop?.();
      } catch {}
      if (exitSnapshot) {
        try {
          // No snapshot that would not fit in the memory left to the program: V8 builds the
          // snapshot in the program's memory, and past a container's limit the program would
          // be killed. leaktrace's memory probe leaves the largest heap that fits (memory-probe.ts,
          // snapshot-room.ts): a bigger heap leaves a record for run-live.ts instead.
          const limit = (globalThis as Record<symbol, { largestHeap?: unknown; room?: unknown } | undefined>)[
            Symbol.for('leaktrace.snapshotRoom')
          ];
          const heapUsed = process.memoryUsage().heapUsed;
          if (typeof limit?.largestHeap === 'number' && heapUsed > limit.largestHeap) {
            fs.writeFileSync(`${exitSnapshot}.skipped`, JSON.stringify({ heapUsed, room: limit.room }));
          } else {
            const v8 = require('node:v8') as typeof import('node:v8');
            v8.writeHeapSnapshot(`${exitSnapshot}.partial`, { exposeNumericValues: true } as never);
            fs.renameSync(`${exitSnapshot}.partial`, exitSnapshot);
          }
        } catch {}
      }
      // Closing the inspector ends leaktrace's session: without it, a program that finishes
      // on its own waits for the debugger to disconnect, and leaktrace cannot always tell.
      try {
        inspector.close();
      } catch {}
    });
  } catch {
    // leaktrace sees no URL and says so; the program runs on unaffected.
  }
})();
