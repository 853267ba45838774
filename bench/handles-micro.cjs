'use strict';
// Micro-measurements run under each tracer (see handles.bench.js): prints one JSON line.
//   promises: ms for 200,000 awaits of async functions (promise hooks' cost);
//   timers:   ms for 100,000 setTimeout+clearTimeout (a stack per timer);
//   outstanding: ms for one agent.outstanding() with 5,000 open handles (agent only);
//   chains:   ms for 1,000 timers each re-armed 50 times from its own callback (the agent
//             follows each chain: a callback compare per beat), and arrows: the same with a
//             new arrow at each beat (compared by place: one stack formatted per beat).
const { performance } = require('node:perf_hooks');

const N_PROMISES = 200_000;
const N_TIMERS = 100_000;

async function step(i) {
  await null;
  return i;
}

async function promises() {
  for (let i = 0; i < 20_000; i++) await step(i);
  const t = performance.now();
  for (let i = 0; i < N_PROMISES; i++) await step(i);
  return performance.now() - t;
}

function timers() {
  for (let i = 0; i < 10_000; i++) clearTimeout(setTimeout(() => {}, 1000));
  const t = performance.now();
  for (let i = 0; i < N_TIMERS; i++) clearTimeout(setTimeout(() => {}, 1000));
  return performance.now() - t;
}

function outstanding() {
  const agent = globalThis[Symbol.for('leaktrace.agent')];
  if (!agent) return null;
  const open = [];
  for (let i = 0; i < 5000; i++) open.push(setInterval(() => {}, 60_000));
  agent.outstanding(); // formats the 5,000 new stacks once
  const t = performance.now();
  const n = agent.outstanding().length;
  const ms = performance.now() - t;
  open.forEach(clearInterval);
  return n >= 5000 ? ms : null;
}

function chains(newArrowEachBeat) {
  return new Promise((resolve) => {
    const t = performance.now();
    let running = 1000;
    for (let c = 0; c < 1000; c++) {
      let beats = 0;
      const beat = () => {
        if (++beats === 50) {
          if (--running === 0) resolve(performance.now() - t);
        } else if (newArrowEachBeat) setTimeout(() => beat(), 1);
        else setTimeout(beat, 1);
      };
      setTimeout(beat, 1);
    }
  });
}

(async () => {
  const result = {
    promises: await promises(),
    timers: timers(),
    outstanding: outstanding(),
    chains: await chains(false),
    arrows: await chains(true),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
})();
