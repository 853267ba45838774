/**
 * leaktrace's handle agent: runs INSIDE the traced Node process and records, for every handle
 * the program opens (sockets, servers, timers, watchers, child processes, zlib streams,
 * FileHandles, raw fs.open descriptors, workers, ...), the stack that opened it; it judges at
 * query time which are still open.
 *
 * One self-contained CommonJS file on purpose (the one exception to "~300 lines per file"):
 * it is loaded three ways and must import nothing but Node builtins at runtime —
 *   1. preloaded: `node --require dist/src/capture/agent/agent.cjs`, configured by the
 *      LEAKTRACE_AGENT environment variable (JSON AgentOptions);
 *   2. in-process: `require(agentPath).installAgent(options)` (traceHandles(), the leak
 *      finder's harness), typed by ./install.ts;
 *   3. remotely: its text wrapped in `(function (require, module, exports) {...})` and
 *      evaluated through the inspector's Runtime.evaluate (includeCommandLineAPI gives
 *      `require`).
 * Once installed it exposes `globalThis[Symbol.for('leaktrace.agent')]` (AgentApi below),
 * whose methods return plain JSON-able data. Installing twice returns the first agent.
 *
 * Why it is built this way (measured on Node 20; see docs/ARCHITECTURE.md):
 * - async_hooks with an `init` hook only. A `destroy` hook makes Node leave the fast path
 *   for promise hooks (~15x slower promise-heavy code), so liveness is judged at query time
 *   from the resource itself: a Timeout's `_destroyed`, a HandleWrap's `hasRef()` (which
 *   returns undefined once the handle is closed), a FileHandle's fd, the owner object's
 *   `_handle`, a WeakRef for everything else, the diagnostic report's libuv list as a
 *   cross-check, fstat for raw descriptors.
 * - Stacks are captured raw (Error.captureStackTrace on a bare object, ~2-4 us) and turned
 *   into frames only for handles that are still alive at the next sweep (once a second and
 *   at every query): most handles close before that and are never formatted (formatting is
 *   what doubles the cost). Error.stackTraceLimit is raised inside the hook only, so frames
 *   reach the user's code below Node's internals.
 * - Transient requests (writes, fs requests, DNS lookups, nextTick, immediates...) are not
 *   handles and are skipped; PROMISE only with `promises: true`.
 * - Never throws into the program and never keeps it alive: every hook and wrapper body is
 *   in try/catch, every handle of its own is unref'd and excluded from what it reports.
 */
import asyncHooks = require('node:async_hooks');
import fs = require('node:fs');
import net = require('node:net');
import os = require('node:os');
import path = require('node:path');
import nodeModule = require('node:module');
import workerThreads = require('node:worker_threads');

import type {
  AgentApi,
  AgentFrame,
  AgentInfo,
  AgentModule,
  AgentOptions,
  AgentStats,
  HandleDiff,
  HandleSnapshotInfo,
  OutstandingHandle,
  OutstandingOptions,
  StackOrigin,
} from './agent-types.js';

/** Version of the AgentApi shape (agent-types.ts); bumped when a field changes meaning. */
const AGENT_API_VERSION = 2;
const AGENT_KEY = Symbol.for('leaktrace.agent');

/**
 * Promise hooks. While any async hook with an `init` callback is enabled, Node asks V8 to call
 * a JavaScript promise hook for every promise created and every await resumed (~0.2 us per
 * await here, bench/handles-micro.cjs; an HTTP handler makes dozens), although the agent
 * ignores promises. Node 24.14+/25.4+ skip them with `trackPromises: false`. Older Node has no
 * such option, but it keeps the hooks it hands V8 in one slot per context, readable and
 * writable through the `async_wrap` binding (`process.binding` still gives it on Node 20 and 22):
 * when nobody had promise hooks before the agent enabled its own, the ones Node installed for
 * it are cleared again. That is safe for others: whoever adds a hook later (AsyncLocalStorage
 * on Node 20, another async hook, v8.promiseHooks) makes Node write its full set into that slot
 * again, ours included. When somebody already had promise hooks, nothing is touched.
 */
interface PromiseHookSlot {
  getPromiseHooks(): unknown[];
  setPromiseHooks(init?: unknown, before?: unknown, after?: unknown, settled?: unknown): void;
}

let cachedSlot: PromiseHookSlot | null | undefined;

function promiseHookSlot(): PromiseHookSlot | null {
  if (cachedSlot !== undefined) return cachedSlot;
  cachedSlot = null;
  // Node 22 emits a DeprecationWarning (DEP0111) for this binding, Node 20 one under
  // --pending-deprecation: the program must never see a warning of ours, so emitWarning is
  // silenced for this one synchronous call.
  const emitWarning = process.emitWarning;
  try {
    process.emitWarning = () => {};
    const binding = (process as unknown as { binding(name: string): Partial<PromiseHookSlot> }).binding('async_wrap');
    if (typeof binding.getPromiseHooks === 'function' && typeof binding.setPromiseHooks === 'function')
      cachedSlot = binding as PromiseHookSlot;
  } catch {
    // Node 24+ has no such binding (and has trackPromises instead)
  } finally {
    process.emitWarning = emitWarning;
  }
  return cachedSlot;
}

/** true/false: whether V8 has promise hooks in this context now; null: cannot tell. */
function promiseHooksInstalled(): boolean | null {
  const slot = promiseHookSlot();
  if (!slot) return null;
  try {
    return slot.getPromiseHooks().some((hook) => hook !== undefined);
  } catch {
    return null;
  }
}

/** Node that knows `trackPromises` refuses it together with promiseResolve; older Node ignores it. */
function hasTrackPromisesOption(): boolean {
  try {
    asyncHooks.createHook({ trackPromises: false, promiseResolve() {} } as asyncHooks.HookCallbacks);
    return false;
  } catch {
    return true;
  }
}

/** After the agent's hook is enabled: clears the promise hooks Node installed only for it. */
function dropOwnPromiseHooks(othersHadPromiseHooks: boolean | null): AgentInfo['promiseHooks'] {
  if (hasTrackPromisesOption()) return 'off';
  const now = promiseHooksInstalled();
  if (now === null) return 'unknown';
  if (!now) return 'off';
  if (othersHadPromiseHooks !== false) return 'on'; // someone else's too: not ours to clear
  try {
    promiseHookSlot()?.setPromiseHooks(undefined, undefined, undefined, undefined);
  } catch {}
  return promiseHooksInstalled() === false ? 'off' : 'on';
}
/** The capture-folder file the agent appends to (CAPTURE_FILES.handles in layout.ts). */
const HANDLES_FILE = 'handles.jsonl';

// ---------------------------------------------------------------------------------------
// Which async resources are handles

/** Microtask hops after a one-shot Timeout's callback within which a new Timeout continues its chain (watchFiring). */
const CHAIN_HOPS = 4;

/**
 * Requests and callbacks that complete on their own: never reported (they cannot leak in the
 * sense of a handle, and a stack per write or fs call would dominate the cost).
 */
const TRANSIENT = new Set([
  'TickObject',
  'Immediate',
  'Microtask',
  'WRITEWRAP',
  'SHUTDOWNWRAP',
  'FSREQCALLBACK',
  'FSREQPROMISE',
  'FILEHANDLECLOSEREQ',
  'GETNAMEINFOREQWRAP',
  'QUERYWRAP',
  'TCPCONNECTWRAP',
  'PIPECONNECTWRAP',
  'UDPSENDWRAP',
  'HTTPINCOMINGMESSAGE',
  'HTTPCLIENTREQUEST',
  'STREAMPIPE',
  'HEAPSNAPSHOT',
]);
/** Crypto and other one-shot requests: PBKDF2REQUEST, SCRYPTREQUEST, ...REQWRAP, ... */
const REQUEST_NAME = /(REQUEST|REQWRAP|REQ)$/;
/**
 * Requests whose stack is kept (not reported) because what they trigger has no JavaScript of
 * its own on the stack: `server.listen(port, 'localhost')` and `net.connect({host})` create
 * their handle in the DNS lookup's callback, so the lookup's stack is the one that names the
 * program's line.
 */
const STACK_SOURCES = new Set(['GETADDRINFOREQWRAP']);

const SKIP = 0;
const TRACK = 1;
const SOURCE = 2;

/** Types whose liveness is read from the resource itself; held strongly until swept. */
const EXPLICIT_LIVENESS = new Set(['Timeout', 'FILEHANDLE', 'ZLIB', 'WORKER']);

// ---------------------------------------------------------------------------------------
// Stacks

const AGENT_FILE = typeof __filename === 'string' ? __filename : '';

interface CallSiteLike {
  getFileName(): string | null | undefined;
  getScriptNameOrSourceURL?(): string | null | undefined;
  getFunctionName(): string | null;
  getMethodName(): string | null;
  getTypeName(): string | null;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  isToplevel(): boolean;
  isConstructor(): boolean;
}

function collectCallSites(_error: unknown, sites: CallSiteLike[]): CallSiteLike[] {
  return sites;
}

/**
 * A raw captured stack's CallSites. V8 keeps what the first read returned, so framesOfHolder
 * after programSiteOfHolder gets the same sites.
 */
function callSitesOf(holder: { stack?: unknown }): CallSiteLike[] | null {
  const prev = Error.prepareStackTrace;
  let sites: unknown;
  try {
    Error.prepareStackTrace = collectCallSites as never;
    sites = holder.stack;
  } finally {
    Error.prepareStackTrace = prev;
  }
  return Array.isArray(sites) ? (sites as CallSiteLike[]) : null;
}

/**
 * `file:line:column` of a raw stack's first frame outside Node's own code (and the agent's),
 * or null: a timer's place, compared without formatting its whole stack (continueChain).
 */
function programSiteOfHolder(holder: { stack?: unknown }): string | null {
  for (const site of callSitesOf(holder) ?? []) {
    const file = fileOf(site);
    if (isAgentFile(file) || isRuntimeFile(file)) continue;
    return `${file}:${site.getLineNumber() ?? 0}:${site.getColumnNumber() ?? 0}`;
  }
  return null;
}

function fileOf(site: CallSiteLike): string {
  return site.getFileName() ?? site.getScriptNameOrSourceURL?.() ?? '';
}

function isAgentFile(file: string): boolean {
  return AGENT_FILE !== '' && file === AGENT_FILE;
}

/** Turns a raw captured stack into frames (innermost first), dropping the agent's own. */
function framesOfHolder(holder: { stack?: unknown }): AgentFrame[] {
  const sites = callSitesOf(holder);
  if (sites === null) return [];
  const frames: AgentFrame[] = [];
  let leading = true;
  for (const site of sites) {
    const file = fileOf(site);
    if (isAgentFile(file)) continue;
    // The frames that called the init hook are async_hooks' own plumbing.
    if (leading && file === 'node:internal/async_hooks') continue;
    leading = false;
    frames.push({
      functionName: functionNameOf(site),
      file,
      line: site.getLineNumber() ?? 0,
      column: site.getColumnNumber() ?? 0,
    });
  }
  return frames;
}

/** `fn`, `Type.method` or `new Ctor`, the way V8 prints frames. */
function functionNameOf(site: CallSiteLike): string {
  let name = site.getFunctionName() ?? '';
  try {
    if (site.isConstructor()) return `new ${name || '<anonymous>'}`;
    if (!site.isToplevel()) {
      const method = site.getMethodName();
      const type = site.getTypeName();
      if (!name) name = method ?? '';
      if (type && name && !name.startsWith(`${type}.`)) name = `${type}.${name}`;
    }
  } catch {
    // getTypeName can throw for exotic receivers (revoked proxies): keep the bare name.
  }
  return name;
}

/** Node's own code and V8 builtins; everything else counts as the program's. */
function isRuntimeFile(file: string): boolean {
  return file === '' || file.startsWith('node:') || file.startsWith('internal/');
}

function hasProgramFrame(frames: readonly AgentFrame[]): boolean {
  for (const f of frames) if (!isRuntimeFile(f.file)) return true;
  return false;
}

/**
 * The agent's own stack interner (the project's StackTable cannot be imported here): frames
 * and stacks interned once, ids handed out sequentially from 1, 32-bit, never reused.
 */
class StackInterner {
  private readonly frameList: AgentFrame[] = [];
  private readonly frameIds = new Map<string, number>();
  private readonly stackFrames: number[][] = [[]];
  private readonly stackIds = new Map<string, number>();
  /** Ids interned since the last takeNew() (for the capture folder's `stack` lines). */
  private fresh: number[] = [];

  get stackCount(): number {
    return this.stackFrames.length - 1;
  }

  get frameCount(): number {
    return this.frameList.length;
  }

  intern(frames: readonly AgentFrame[]): number {
    const ids: number[] = new Array(frames.length);
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const key = `${f.file}\u0000${f.line}\u0000${f.column}\u0000${f.functionName}`;
      let id = this.frameIds.get(key);
      if (id === undefined) {
        id = this.frameList.length;
        this.frameList.push(f);
        this.frameIds.set(key, id);
      }
      ids[i] = id;
    }
    const key = ids.join(',');
    let stackId = this.stackIds.get(key);
    if (stackId === undefined) {
      stackId = this.stackFrames.length;
      if (stackId > 0xffff_ffff) return 0; // 2^32 stacks: stop interning rather than wrap.
      this.stackFrames.push(ids);
      this.stackIds.set(key, stackId);
      this.fresh.push(stackId);
    }
    return stackId;
  }

  frames(stackId: number): AgentFrame[] | undefined {
    const ids = this.stackFrames[stackId];
    return ids === undefined || stackId === 0 ? (stackId === 0 ? [] : undefined) : ids.map((i) => this.frameList[i]);
  }

  takeNew(): number[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }
}

/** Where the wrapped Server.prototype.listen leaves the frames of its call. */
const LISTEN_STACK = Symbol('leaktrace.listenStack');

// ---------------------------------------------------------------------------------------
// Records

type Holder = { stack?: unknown };

/** `n` as a Smi when it is a small non-negative integer (2^30: a Smi on every V8 build), else `n`. */
function asSmallInteger(n: number): number {
  return n >= 0 && n < 0x40000000 ? n | 0 : n;
}

class HandleRecord {
  asyncId: number;
  type: string;
  triggerAsyncId: number;
  createdAt: number;
  /** Held strongly for types whose liveness is read from the resource; else a WeakRef. */
  resource: object | null;
  weak: WeakRef<object> | null;
  /** The raw stack until it is interned. */
  holder: Holder | null;
  /** A raw stack of the call that produced this resource (fs.promises.open). */
  openHolder: Holder | null = null;
  /** The trigger's record, kept only until this one's stack is interned. */
  trigger: HandleRecord | null;
  /** The async id of its chain's first Timeout (continueChain); its own otherwise. */
  lineage: number;
  /** The stack of its chain's first Timeout, when it continues a chain (else -1). */
  chainStackId = -1;
  chainHasProgram = false;
  /** A Timeout whose callback re-armed it (a later Timeout continues its chain): one per Timeout. */
  rearmed = false;
  /** Timeouts its callback made that were compared by place and did not re-arm it (continueChain). */
  notRearms = 0;
  /** A one-shot Timeout's own callback, and the agent's wrapper that replaced it (watchFiring). */
  callback: unknown = undefined;
  wrapper: ((...args: unknown[]) => unknown) | null = null;
  /** Its first frame of the program's code, `file:line:column` (null: none); undefined until asked. */
  programSite: string | null | undefined = undefined;
  stackId = -1;
  ownStackId = -1;
  /** Its stack (after fallbacks) has a frame of the program's own code. */
  hasProgram = false;
  /** Only a source of stacks for what it triggers (a DNS lookup): never reported. */
  sourceOnly = false;
  origin: StackOrigin = 'created';
  originNote: string | null = null;
  /** Raw descriptors: the fd, and its identity at open time (fd numbers get reused). */
  fd = -1;
  dev = -1;
  ino = -1;
  detail: string | null = null;
  detailFinal = false;
  /** An `open` line was written to the capture folder (so a `close` line is owed). */
  written = false;

  constructor(asyncId: number, type: string, triggerAsyncId: number, resource: object | null, holder: Holder | null) {
    this.asyncId = asyncId;
    this.type = type;
    this.triggerAsyncId = triggerAsyncId;
    this.createdAt = Date.now();
    this.holder = holder;
    this.trigger = null;
    this.lineage = asyncId;
    // A closed MessagePort still answers hasRef() with false: only its WeakRef tells.
    const handleWrap = resource !== null && type !== 'MESSAGEPORT' && typeof (resource as { hasRef?: unknown }).hasRef === 'function';
    if (resource !== null && (EXPLICIT_LIVENESS.has(type) || handleWrap)) {
      this.resource = resource;
      this.weak = null;
    } else {
      this.resource = null;
      this.weak = resource !== null ? new WeakRef(resource) : null;
    }
  }

  /** Puts a one-shot Timeout's own callback back where the agent wrapped it (watchFiring). */
  unwrapTimer(): void {
    if (this.wrapper === null) return;
    const timer = this.target();
    if (timer !== undefined && timer._onTimeout === this.wrapper) timer._onTimeout = this.callback;
    this.wrapper = null;
  }

  /**
   * The resource, or for a reused handle the handle itself: when Node hands a keep-alive
   * socket to the next request it gives the handle a new async id (asyncReset), and the
   * resource of that init is a `ReusedHandle { type, handle }` wrapper.
   */
  target(): Record<PropertyKey, unknown> | undefined {
    const r = (this.resource ?? this.weak?.deref()) as Record<PropertyKey, unknown> | undefined;
    return r !== undefined && isReusedHandle(r) ? (r.handle as Record<PropertyKey, unknown>) : r;
  }
}

function isReusedHandle(r: Record<PropertyKey, unknown>): boolean {
  const h = r.handle as { getAsyncId?: unknown } | null | undefined;
  return typeof r.type === 'number' && typeof h === 'object' && h !== null && typeof h.getAsyncId === 'function';
}

let ownerSymbol: symbol | null | undefined;
/** Node's internal `owner_symbol`: the JS object (Socket, Server, ChildProcess...) owning a handle. */
function ownerOf(resource: object): Record<string, unknown> | undefined {
  if (ownerSymbol === undefined || ownerSymbol === null) {
    ownerSymbol = Object.getOwnPropertySymbols(resource).find((s) => s.description === 'owner_symbol') ?? null;
    if (ownerSymbol === null) {
      ownerSymbol = undefined;
      return undefined;
    }
  }
  return (resource as Record<symbol, Record<string, unknown> | undefined>)[ownerSymbol];
}

// ---------------------------------------------------------------------------------------
// The agent

interface WorkerReport {
  threadId: number;
  t: number;
  handles: OutstandingHandle[];
}

/**
 * Between the agents of one process's threads (a BroadcastChannel): workers report their
 * handles to the main thread's agent ('report', on each flush and when asked: 'collect';
 * 'bye' at exit), and follow it: 'pause'/'resume' (light watching) and 'stop' (an agent
 * that no one collects from has no reason to trace).
 */
interface WorkerMessage {
  kind: 'report' | 'collect' | 'bye' | 'pause' | 'resume' | 'stop';
  threadId: number;
  /** In a report: whether that worker's tracing is paused. */
  paused?: boolean;
  t?: number;
  handles?: OutstandingHandle[];
  stacks?: Record<number, AgentFrame[]>;
  requestId?: number;
}

class HandleAgent implements AgentApi {
  readonly version = AGENT_API_VERSION;
  readonly pid = process.pid;
  readonly threadId = workerThreads.threadId;
  readonly startedAt = Date.now();
  readonly fromProcessStart: boolean;

  private readonly options: Required<Omit<AgentOptions, 'captureDir'>> & { captureDir: string | null };
  private readonly interner = new StackInterner();
  private readonly records = new Map<number, HandleRecord>();
  private readonly fdRecords = new Map<number, HandleRecord>();
  /** FILEHANDLEs not yet interned, for fs.promises.open's wrapper to find its own. */
  private recentFileHandles: HandleRecord[] = [];
  /**
   * The agent's own resources and everything they trigger, by async id. Weakly: an id is
   * needed only while its resource can still run callbacks (and so trigger more), and a
   * long attach must not keep one entry per control request forever.
   */
  private readonly ownIds = new Map<number, WeakRef<object>>();
  private own = 0;
  private fdSerial = 0;
  private captured = 0;
  private formatted = 0;
  private sweeps = 0;
  private sweepAt = 4096;
  private readonly typeMode = new Map<string, number>();
  private readonly hook: asyncHooks.AsyncHook;
  private readonly timer: NodeJS.Timeout;
  private readonly snapshotList: { info: HandleSnapshotInfo; keys: Set<string>; lineages: Set<string> }[] = [];
  private readonly workerReports = new Map<number, WorkerReport>();
  /** Worker stack ids mapped into this agent's ids, per thread. */
  private readonly workerStackMap = new Map<number, Map<number, number>>();
  private channel: InstanceType<typeof BroadcastChannel> | null = null;
  private collectWaiters: (() => void)[] = [];
  private readonly restoreFs: (() => void)[] = [];
  private captureFd = -1;
  private pendingLines: string[] = [];
  private controlServer: net.Server | null = null;
  private controlPath: string | null = null;
  private readonly preexisting: Record<string, number> = {};
  private stopped = false;
  /** Since when the hook has been off (pause), or null while it traces. */
  private pausedAt: number | null = null;
  /** Whether Node runs promise hooks because of the agent (see dropOwnPromiseHooks). */
  private promiseHooks: AgentInfo['promiseHooks'] = 'on';
  private readonly onExit = (): void => this.exitRecord();
  private readonly origOpenSync = fs.openSync;
  private readonly origWriteSync = fs.writeSync;
  private readonly origFstatSync = fs.fstatSync;

  constructor(options: AgentOptions) {
    this.options = {
      captureDir: options.captureDir ?? null,
      promises: options.promises === true,
      control: options.control === true,
      fds: options.fds !== false,
      workers: options.workers !== false,
      flushIntervalMs: Math.max(50, Number(options.flushIntervalMs) || 1000),
      stackLimit: Math.max(10, Math.min(200, Number(options.stackLimit) || 64)),
      fromProcessStart: options.fromProcessStart === true,
    };
    this.fromProcessStart = this.options.fromProcessStart;
    try {
      for (const name of process.getActiveResourcesInfo()) this.preexisting[name] = (this.preexisting[name] ?? 0) + 1;
    } catch {}

    // The hook closes over `self` so that it is one plain function (captureStackTrace's
    // cut-off point) and does no property lookups on `this`.
    // The hook and the wrappers are plain functions (they are captureStackTrace's cut-off
    // points, and wrappers keep their caller's `this`), so they reach the agent through `self`.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const limit = this.options.stackLimit;
    const promises = this.options.promises;
    function init(asyncId: number, type: string, triggerAsyncId: number, resource: object): void {
      // The two most frequent types first: with an init hook Node calls it for every promise
      // and every nextTick.
      if (type === 'PROMISE') {
        if (!promises) return;
      } else if (type === 'TickObject') return;
      // A Timeout created unref'd comes from Node's internal setUnrefTimeout (a socket's idle
      // timeout, re-created on every keep-alive request; the HTTP date cache): it cannot keep
      // the process alive and belongs to a socket that is tracked itself. Skipping it saves a
      // stack capture per HTTP request. (A Timeout is plain JS, safe to read during init.)
      else if (type === 'Timeout' && (resource as { hasRef(): boolean }).hasRef() === false) return;
      let mode = self.typeMode.get(type);
      if (mode === undefined) {
        if (type === 'PROMISE') mode = promises ? TRACK : SKIP;
        else if (STACK_SOURCES.has(type)) mode = SOURCE;
        else mode = TRANSIENT.has(type) || REQUEST_NAME.test(type) ? SKIP : TRACK;
        self.typeMode.set(type, mode);
      }
      if (mode === SKIP) return;
      // Node hands the ids over as heap numbers it allocated on the program's stack: kept as
      // they come, the agent's records (their Map keys, their fields) would keep the program's
      // own numbers alive — one more object per open handle in the program's count, held
      // by us. Small ids become Smis (never wrapped: larger ones stay as they are).
      asyncId = asSmallInteger(asyncId);
      triggerAsyncId = asSmallInteger(triggerAsyncId);
      if (self.own > 0 || self.ownIds.has(triggerAsyncId)) {
        if (typeof resource === 'object' && resource !== null) self.ownIds.set(asyncId, new WeakRef(resource));
        return;
      }
      try {
        const holder: Holder = {};
        const prevLimit = Error.stackTraceLimit;
        Error.stackTraceLimit = limit;
        Error.captureStackTrace(holder, init);
        Error.stackTraceLimit = prevLimit;
        const rec = new HandleRecord(asyncId, type, triggerAsyncId, resource, holder);
        rec.trigger = self.records.get(triggerAsyncId) ?? null;
        if (type === 'Timeout') {
          self.watchFiring(rec, resource);
          // Made inside a one-shot Timeout's callback (its trigger), or in the microtasks that
          // ran right after one (an async loop's `await sleep()`: Node gives no trigger there).
          const inCallback = rec.trigger !== null && rec.trigger.type === 'Timeout';
          const prev = inCallback ? rec.trigger : self.lastFired;
          if (prev !== null && !prev.rearmed) self.continueChain(rec, prev);
        }
        rec.sourceOnly = mode === SOURCE;
        // Never touch the resource's properties here: a C++ wrap is not fully built yet
        // during init (reading a FileHandle's fd at this point crashes Node 20).
        if (type === 'FILEHANDLE') self.recentFileHandles.push(rec);
        self.records.set(asyncId, rec);
        self.captured++;
        if (self.records.size >= self.sweepAt) self.sweep(false);
      } catch {}
    }
    function promiseResolve(asyncId: number): void {
      self.records.delete(asyncId);
    }

    const othersHadPromiseHooks = promiseHooksInstalled();
    // trackPromises: false (Node 24.14+, 25.4+; older Node ignores it) keeps Node from running a
    // promise hook for every promise on our behalf: the agent wants handles, not promises.
    this.hook = asyncHooks.createHook(promises ? { init, promiseResolve } : ({ init, trackPromises: false } as asyncHooks.HookCallbacks));
    this.timer = this.withOwn(() => setInterval(() => this.tick(), this.options.flushIntervalMs).unref());
    this.api = this.publicApi();
    this.hook.enable();
    this.promiseHooks = promises ? 'on' : dropOwnPromiseHooks(othersHadPromiseHooks);
    this.wrapListen();
    if (this.options.fds) this.wrapFs();
    if (this.options.workers) this.openChannel();
    if (this.options.control && workerThreads.isMainThread) this.openControl(); // before the capture: the agent line names the socket
    if (this.options.captureDir) this.openCapture(this.options.captureDir);
    process.on('exit', this.onExit);
  }

  // --- the API ---------------------------------------------------------------------------

  info(): AgentInfo {
    return {
      apiVersion: AGENT_API_VERSION,
      pid: this.pid,
      threadId: this.threadId,
      startedAt: this.startedAt,
      fromProcessStart: this.fromProcessStart,
      nodeVersion: process.version,
      argv: process.argv.slice(),
      options: { ...this.options },
      controlSocket: this.controlPath,
      preexisting: { ...this.preexisting },
      promiseHooks: this.promiseHooks,
      pausedSince: this.pausedAt,
    };
  }

  outstanding(options: OutstandingOptions = {}): OutstandingHandle[] {
    return this.withOwn(() => {
      this.sweep(true);
      const out: OutstandingHandle[] = [];
      for (const rec of this.records.values()) if (!rec.sourceOnly) out.push(this.describe(rec));
      for (const rec of this.fdRecords.values()) out.push(this.describe(rec));
      if (options.libuv === true) crossCheckLibuv(out);
      if (options.threads !== false) for (const report of this.workerReports.values()) out.push(...report.handles);
      return out;
    });
  }

  snapshot(label?: string): HandleSnapshotInfo {
    const handles = this.outstanding();
    const info: HandleSnapshotInfo = {
      id: this.snapshotList.length + 1,
      t: Date.now(),
      label: label ?? null,
      count: handles.length,
    };
    this.snapshotList.push({ info, keys: new Set(handles.map(handleKey)), lineages: new Set(handles.map(lineageKey)) });
    this.appendLine({ kind: 'snapshot', ...info, handles: handles.map(handleKey) });
    return info;
  }

  diff(snapshotId?: number, options: OutstandingOptions = {}): HandleDiff {
    const snap = snapshotId === undefined ? this.snapshotList.at(-1) : this.snapshotList[snapshotId - 1];
    if (snap === undefined) {
      throw new RangeError(snapshotId === undefined ? 'no handle snapshot has been taken' : `no handle snapshot ${snapshotId}`);
    }
    const now = this.outstanding(options);
    const opened: OutstandingHandle[] = [];
    let stillOpen = 0;
    for (const h of now) {
      // A timer chain running at the snapshot re-arms with new Timeouts: not opened since.
      if (snap.keys.has(handleKey(h)) || snap.lineages.has(lineageKey(h))) stillOpen++;
      else opened.push(h);
    }
    return { snapshot: { ...snap.info }, t: Date.now(), opened, stillOpen, closed: snap.keys.size - stillOpen };
  }

  snapshots(): HandleSnapshotInfo[] {
    return this.snapshotList.map((s) => ({ ...s.info }));
  }

  stacks(ids: readonly number[]): Record<number, AgentFrame[]> {
    const out: Record<number, AgentFrame[]> = {};
    for (const id of ids) {
      const frames = this.interner.frames(id);
      if (frames !== undefined) out[id] = frames.map((f) => ({ ...f }));
    }
    return out;
  }

  collectWorkers(timeoutMs = 250): Promise<number> {
    const channel = this.channel;
    // Workers announce themselves when their agent starts: none known, none to ask.
    if (channel === null || this.stopped || this.workerReports.size === 0) return Promise.resolve(0);
    const before = new Set<number>();
    return new Promise((resolve) => {
      const answered = new Set<number>();
      const started = Date.now();
      const done = (): void => {
        clearTimeout(timeout);
        this.collectWaiters = this.collectWaiters.filter((w) => w !== waiter);
        resolve(answered.size);
      };
      const waiter = (): void => {
        for (const [id, r] of this.workerReports) if (r.t >= started) answered.add(id);
        if (answered.size >= before.size && before.size > 0) done();
      };
      for (const id of this.workerReports.keys()) before.add(id);
      const timeout = this.withOwn(() => setTimeout(done, timeoutMs));
      timeout.unref();
      this.collectWaiters.push(waiter);
      this.withOwn(() => channel.postMessage({ kind: 'collect', threadId: this.threadId } satisfies WorkerMessage));
    });
  }

  flush(): void {
    this.withOwn(() => {
      this.sweep(true);
      this.writeRecords();
    });
  }

  stats(): AgentStats {
    return {
      tracked: this.records.size + this.fdRecords.size,
      captured: this.captured,
      formatted: this.formatted,
      stacks: this.interner.stackCount,
      frames: this.interner.frameCount,
      sweeps: this.sweeps,
      own: this.ownIds.size,
      workers: [...this.workerReports.keys()],
    };
  }

  /**
   * Stops tracing new handles (the async hook off: Node then calls no JavaScript per async
   * resource) while keeping what it knows: open handles stay reported and closed ones dropped,
   * descriptors are still traced (fs wrappers). For `run`/`attach` watching lightly (it saves
   * about two points of CPU per request on the bench server, README bench 7). Handles opened
   * until resume() have no record: a line in the capture folder says when tracing was off.
   */
  pause(): boolean {
    if (this.stopped || this.pausedAt !== null) return false;
    this.hook.disable();
    this.pausedAt = Date.now();
    this.appendLine({ kind: 'pause', t: this.pausedAt });
    this.tellWorkers('pause');
    return true;
  }

  resume(): boolean {
    if (this.stopped || this.pausedAt === null) return false;
    const othersHadPromiseHooks = promiseHooksInstalled();
    this.hook.enable();
    if (!this.options.promises) this.promiseHooks = dropOwnPromiseHooks(othersHadPromiseHooks);
    this.appendLine({ kind: 'resume', t: Date.now(), since: this.pausedAt });
    this.pausedAt = null;
    this.tellWorkers('resume');
    return true;
  }

  stop(): void {
    if (this.stopped) return;
    try {
      this.flush();
    } catch {}
    this.stopped = true;
    this.hook.disable();
    clearInterval(this.timer);
    for (const rec of this.records.values()) rec.unwrapTimer();
    this.tellWorkers('stop');
    for (const restore of this.restoreFs.splice(0)) restore();
    try {
      nodeModule.syncBuiltinESMExports();
    } catch {}
    this.closeChannel();
    this.closeControl();
    if (this.captureFd >= 0) {
      try {
        fs.closeSync(this.captureFd);
      } catch {}
      this.captureFd = -1;
    }
    process.off('exit', this.onExit);
    const g = globalThis as Record<symbol, unknown>;
    if (g[AGENT_KEY] === this.api) delete g[AGENT_KEY];
  }

  /** The frozen object published on globalThis (methods bound, so they can be passed around). */
  readonly api: AgentApi;

  private publicApi(): AgentApi {
    return Object.freeze({
      version: AGENT_API_VERSION,
      pid: this.pid,
      threadId: this.threadId,
      startedAt: this.startedAt,
      fromProcessStart: this.fromProcessStart,
      info: () => this.info(),
      outstanding: (o?: OutstandingOptions) => this.outstanding(o),
      snapshot: (label?: string) => this.snapshot(label),
      diff: (id?: number, o?: OutstandingOptions) => this.diff(id, o),
      snapshots: () => this.snapshots(),
      stacks: (ids: readonly number[]) => this.stacks(ids),
      collectWorkers: (ms?: number) => this.collectWorkers(ms),
      flush: () => this.flush(),
      stats: () => this.stats(),
      pause: () => this.pause(),
      resume: () => this.resume(),
      stop: () => this.stop(),
    });
  }

  // --- liveness and description ----------------------------------------------------------

  private withOwn<T>(fn: () => T): T {
    this.own++;
    try {
      return fn();
    } finally {
      this.own--;
    }
  }

  /**
   * Drops records of handles that are gone; with `intern`, turns the raw stacks of the
   * survivors into stack ids (which also releases what the raw stacks retain).
   */
  private sweep(intern: boolean): void {
    this.sweeps++;
    for (const rec of this.records.values()) {
      if (!this.isAlive(rec)) this.drop(rec, this.records);
      else if (intern && rec.stackId < 0 && !rec.sourceOnly) this.resolveStack(rec, 0);
    }
    for (const rec of this.fdRecords.values()) {
      if (!this.fdAlive(rec)) this.drop(rec, this.fdRecords);
      else if (intern && rec.stackId < 0) this.resolveStack(rec, 0);
    }
    for (const [id, ref] of this.ownIds) if (ref.deref() === undefined) this.ownIds.delete(id);
    if (this.recentFileHandles.length > 0)
      this.recentFileHandles = this.recentFileHandles.filter((r) => r.stackId < 0 && r.resource !== null);
    // Sweep inline again only once the table has doubled, so a program that keeps many
    // handles open does not pay a full sweep every few thousand inits.
    this.sweepAt = Math.max(4096, this.records.size * 2);
  }

  private drop(rec: HandleRecord, table: Map<number, HandleRecord>): void {
    table.delete(table === this.fdRecords ? rec.fd : rec.asyncId);
    if (rec.written)
      this.pendingLines.push(
        JSON.stringify({ kind: 'close', pid: this.pid, threadId: this.threadId, t: Date.now(), asyncId: rec.asyncId }),
      );
    rec.holder = null;
    rec.openHolder = null;
    rec.trigger = null;
    rec.resource = null;
    rec.weak = null;
  }

  private isAlive(rec: HandleRecord): boolean {
    const r = rec.target();
    if (r === undefined) return false;
    try {
      switch (rec.type) {
        case 'Timeout':
          return r._destroyed !== true;
        case 'FILEHANDLE':
          return typeof r.fd === 'number' && r.fd >= 0;
        case 'PROMISE':
          return true; // removed by promiseResolve; a collected one by the WeakRef.
      }
      // A handle given a new async id (a keep-alive socket reused: asyncReset, which emits
      // destroy for the old id) is now another record's: this one is over. Without this, every
      // reuse of a socket counted as one more open socket.
      if (typeof r.getAsyncId === 'function') {
        const id = (r.getAsyncId as () => unknown).call(r);
        if (typeof id === 'number' && id !== rec.asyncId) return false;
      }
      if (typeof r.hasRef === 'function') {
        // A HandleWrap answers undefined once closed (true/false while open: ref'd or not).
        const ref = (r.hasRef as () => unknown).call(r);
        if (ref === undefined) return false;
        if (ref === true) return true;
        // false: unref'd, or closed with the C++ side not yet torn down (in the close
        // callback's microtasks). The owner (Socket, Server, ChildProcess, FSWatcher) drops
        // its _handle when it closes.
        const owner = ownerOf(r);
        return owner === undefined || !('_handle' in owner) || owner._handle === r;
      }
      const owner = ownerOf(r);
      if (owner !== undefined && '_handle' in owner) return owner._handle === r;
      return true;
    } catch {
      return true;
    }
  }

  private fdAlive(rec: HandleRecord): boolean {
    try {
      const st = this.origFstatSync(rec.fd);
      // Same descriptor number but another file: ours was closed behind our back and reused.
      return rec.ino < 0 || (st.ino === rec.ino && st.dev === rec.dev);
    } catch {
      return false;
    }
  }

  private refedOf(rec: HandleRecord): boolean | null {
    if (rec.type === 'fd' || rec.type === 'FILEHANDLE' || rec.type === 'ZLIB' || rec.type === 'PROMISE') return false;
    const r = rec.target();
    if (r === undefined) return null;
    try {
      if (typeof r.hasRef === 'function') {
        const v = (r.hasRef as () => unknown).call(r);
        return typeof v === 'boolean' ? v : null;
      }
    } catch {}
    return null;
  }

  private resolveStack(rec: HandleRecord, depth: number): void {
    if (rec.stackId >= 0) return;
    const frames = rec.holder !== null ? framesOfHolder(rec.holder) : [];
    rec.holder = null;
    this.formatted++;
    rec.ownStackId = this.interner.intern(frames);
    rec.stackId = rec.ownStackId;
    rec.hasProgram = hasProgramFrame(frames);
    if (!rec.hasProgram) {
      let callFrames: readonly AgentFrame[];
      let what = 'fs.promises.open()';
      if (rec.openHolder !== null) callFrames = framesOfHolder(rec.openHolder);
      else {
        const r = rec.target();
        const owner = r !== undefined ? ownerOf(r) : undefined;
        callFrames = (owner?.[LISTEN_STACK as never] as AgentFrame[] | undefined) ?? [];
        what = 'listen()';
      }
      if (hasProgramFrame(callFrames)) {
        rec.hasProgram = true;
        rec.stackId = this.interner.intern(callFrames);
        rec.origin = 'call';
        rec.originNote = `created later by Node; stack of the ${what} call that asked for it`;
      } else {
        const trigger = rec.trigger ?? this.records.get(rec.triggerAsyncId) ?? null;
        if (trigger !== null && depth < 8) {
          this.resolveStack(trigger, depth + 1);
          if (trigger.hasProgram) {
            rec.hasProgram = true;
            rec.stackId = trigger.stackId;
            rec.origin = 'trigger';
            rec.originNote = `no JavaScript on its own stack; stack of the ${trigger.type} (async id ${trigger.asyncId}) that triggered it`;
          }
        }
      }
    }
    rec.openHolder = null;
    rec.trigger = null;
    if (rec.chainStackId >= 0) this.applyChain(rec);
  }

  /** The one-shot Timeout whose callback ran last, until the microtasks after it have run (watchFiring). */
  private lastFired: HandleRecord | null = null;
  private hopsLeft = 0;
  private readonly clearHop = (): void => {
    if (--this.hopsLeft > 0) queueMicrotask(this.clearHop);
    else this.lastFired = null;
  };

  /**
   * Wraps a one-shot Timeout's callback so that the agent knows it has just run: Node runs the
   * microtasks it queued (an awaiting function's continuation) right after it, before any
   * other callback, and a Timeout made there continues its chain (continueChain). Known for
   * CHAIN_HOPS microtask hops — an `await` of a function that awaits the sleep takes a few —
   * then forgotten. The wrapper calls the program's callback as Node would (same `this`, same
   * arguments, its exceptions untouched); stop() puts the program's callback back on the
   * Timeouts still open. Intervals re-arm themselves and are left alone.
   */
  private watchFiring(rec: HandleRecord, resource: object): void {
    const timer = resource as { _onTimeout?: unknown; _repeat?: unknown };
    const callback = timer._onTimeout;
    if (typeof callback !== 'function' || (timer._repeat !== null && timer._repeat !== undefined)) return;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      try {
        return Reflect.apply(callback, this, args);
      } finally {
        self.fired(rec);
      }
    };
    rec.callback = callback;
    rec.wrapper = wrapper;
    timer._onTimeout = wrapper;
  }

  private fired(rec: HandleRecord): void {
    if (this.stopped || this.pausedAt !== null) return;
    this.lastFired = rec;
    const pending = this.hopsLeft > 0;
    this.hopsLeft = CHAIN_HOPS;
    if (!pending) queueMicrotask(this.clearHop);
  }

  /**
   * A one-shot timer re-armed from its own callback — a heartbeat, a poller, a retry, a
   * scheduler (node-cron re-arms one per task) — is carried by a new Timeout at each beat, and
   * each Timeout lives one period. Followed handle by handle (turnover.ts) such chains looked
   * like a per-request timer's turnover however many of them piled up (a red-team node-cron
   * task per 20 requests: 424 open timers at the end, p 0). So a Timeout created while a
   * one-shot Timeout's callback runs continues that timer's chain when it re-arms the same
   * thing: the same callback function, or setTimeout called at the same place (the first frame
   * of the program's code on both stacks). It takes the chain's identity (`lineage`) and the
   * stack of the chain's first Timeout, usually the line of the program that started it.
   * The same holds for a Timeout made in the microtasks that run right after a one-shot
   * Timeout's callback (watchFiring): an async loop's `await sleep(ms)` — timers/promises, or
   * `new Promise((r) => setTimeout(r, ms))` — resumes there, where Node names no trigger, and
   * each beat's Timeout is a new one (a red-team heartbeat loop per request: 17,269 open
   * Timeouts after 90 s, read as a turnover at p 0). Its callback is a new resolver each time,
   * so it continues the chain by place only.
   * Nothing else chains: an interval's timers are its own (it re-arms itself), other types
   * never, and a callback continues its chain once.
   */
  private continueChain(rec: HandleRecord, prev: HandleRecord): void {
    const before = prev.target() as { _repeat?: unknown; _onTimeout?: unknown } | undefined;
    if (before === undefined || (before._repeat !== null && before._repeat !== undefined)) return;
    // The callbacks as the program gave them: watchFiring wrapped rec's just now, and prev's
    // unless it was made before the agent traced.
    const sameCallback = (prev.wrapper !== null ? prev.callback : before._onTimeout) === rec.callback;
    if (!sameCallback) {
      // The places are read from the raw stacks (no formatting): only for a Timeout made inside
      // another's callback, and for the first few such of a callback.
      if (prev.notRearms >= 4) return;
      const site = this.programSiteOf(rec);
      if (site === null || site !== this.programSiteOf(prev)) {
        prev.notRearms++;
        return;
      }
    }
    prev.rearmed = true;
    rec.lineage = prev.lineage;
    if (prev.chainStackId >= 0) {
      // A link after the first: the chain's stack is known without formatting prev's own.
      rec.chainStackId = prev.chainStackId;
      rec.chainHasProgram = prev.chainHasProgram;
    } else {
      if (prev.stackId < 0) this.resolveStack(prev, 0);
      rec.chainStackId = prev.stackId;
      rec.chainHasProgram = prev.hasProgram;
    }
    // rec's own stack is formatted later (resolveStack), which then applies the chain's.
  }

  /** A record's first frame of the program's code (programSiteOfHolder), from its stack once formatted. */
  private programSiteOf(rec: HandleRecord): string | null {
    if (rec.programSite === undefined) {
      if (rec.holder !== null) rec.programSite = programSiteOfHolder(rec.holder);
      else {
        const f = this.interner.frames(rec.ownStackId)?.find((frame) => !isRuntimeFile(frame.file));
        rec.programSite = f === undefined ? null : `${f.file}:${f.line}:${f.column}`;
      }
    }
    return rec.programSite;
  }

  private applyChain(rec: HandleRecord): void {
    rec.stackId = rec.chainStackId;
    rec.hasProgram = rec.chainHasProgram;
    rec.origin = 'chain';
    rec.originNote = `a one-shot timer re-armed from its own callback, one timer for the leak finder however many Timeouts carry it; stack of the chain's first Timeout (async id ${rec.lineage})`;
  }

  private describe(rec: HandleRecord): OutstandingHandle {
    if (rec.stackId < 0) this.resolveStack(rec, 0);
    if (!rec.detailFinal) {
      rec.detail = detailOf(rec) ?? rec.detail;
      // Addresses are known once connected; until then look again next time.
      rec.detailFinal = rec.type !== 'TCPWRAP' || (rec.detail !== null && !rec.detail.endsWith('(not connected)'));
    }
    const refed = this.refedOf(rec);
    let fd: number | null = rec.type === 'fd' ? rec.fd : null;
    if (fd === null) {
      const r = rec.target();
      const v = r?.fd;
      if (typeof v === 'number' && v >= 0) fd = v;
    }
    return {
      asyncId: rec.asyncId,
      type: rec.type,
      stackId: rec.stackId,
      ownStackId: rec.ownStackId,
      origin: rec.origin,
      originNote: rec.originNote,
      triggerAsyncId: rec.triggerAsyncId,
      lineage: rec.lineage,
      createdAt: rec.createdAt,
      threadId: this.threadId,
      pid: this.pid,
      alive: true,
      refed,
      keepsAlive: refed === true,
      libuv: null,
      fd,
      detail: rec.detail,
    };
  }

  // --- raw descriptors -------------------------------------------------------------------

  private trackFd(fd: number, file: unknown, holder: Holder): void {
    if (typeof fd !== 'number' || fd < 0) return;
    const rec = new HandleRecord(-++this.fdSerial, 'fd', 0, null, holder);
    rec.fd = fd;
    rec.detail = pathText(file);
    rec.detailFinal = true;
    try {
      const st = this.origFstatSync(fd);
      rec.dev = st.dev;
      rec.ino = st.ino;
    } catch {}
    this.fdRecords.set(fd, rec);
  }

  /** A raw stack of the current call, cut at `cut` (null inside the agent itself). */
  private captureCall(cut: (...args: never[]) => unknown): Holder | null {
    if (this.own > 0) return null;
    const holder: Holder = {};
    const prevLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = this.options.stackLimit;
    Error.captureStackTrace(holder, cut);
    Error.stackTraceLimit = prevLimit;
    return holder;
  }

  /** Replaces obj[key], and remembers how to put it back unless someone replaced it since. */
  private replace(obj: object, key: string, value: unknown, previous: unknown): void {
    (obj as Record<string, unknown>)[key] = value;
    this.restoreFs.push(() => {
      if ((obj as Record<string, unknown>)[key] === value) (obj as Record<string, unknown>)[key] = previous;
    });
  }

  private wrapListen(): void {
    // The hook and the wrappers are plain functions (they are captureStackTrace's cut-off
    // points, and wrappers keep their caller's `this`), so they reach the agent through `self`.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const capture = (cut: (...args: never[]) => unknown): Holder | null => this.captureCall(cut);
    // A server's handle is created in a later tick (after an address lookup, even for an IP),
    // with nothing of the program on its stack: remember the stack of the listen() call.
    const origListen = net.Server.prototype.listen;
    function listen(this: Record<symbol, unknown>, ...args: unknown[]): unknown {
      try {
        // Formatted now (a listen() is rare), not kept raw: a raw stack holds each frame's
        // receiver, and the server would keep them alive — a red-team program's ESM
        // ModuleLoader was "held" by its server through it, and named as kept in `server`.
        const holder = capture(listen);
        if (holder !== null) this[LISTEN_STACK] = framesOfHolder(holder);
      } catch {}
      return (origListen as (...a: unknown[]) => unknown).apply(this, args);
    }
    self.replace(net.Server.prototype, 'listen', listen, origListen);
  }

  private wrapFs(): void {
    // The hook and the wrappers are plain functions (they are captureStackTrace's cut-off
    // points, and wrappers keep their caller's `this`), so they reach the agent through `self`.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const promises = fs.promises as { open: (...args: unknown[]) => Promise<{ fd: number }> };
    const orig = { open: fs.open, openSync: fs.openSync, close: fs.close, closeSync: fs.closeSync, promisesOpen: promises.open };
    const capture = (cut: (...args: never[]) => unknown): Holder | null => this.captureCall(cut);
    function openSync(this: unknown, ...args: unknown[]): number {
      const fd = (orig.openSync as (...a: unknown[]) => number).apply(this, args);
      try {
        const holder = capture(openSync);
        if (holder !== null) self.trackFd(fd, args[0], holder);
      } catch {}
      return fd;
    }
    function open(this: unknown, ...args: unknown[]): void {
      const last = args.length - 1;
      const callback = args[last];
      let holder: Holder | null = null;
      try {
        holder = capture(open);
      } catch {}
      if (typeof callback === 'function' && holder !== null) {
        const file = args[0];
        args[last] = function (this: unknown, ...result: unknown[]) {
          const [err, fd] = result as [unknown, number];
          if (!err) {
            try {
              self.trackFd(fd, file, holder);
            } catch {}
          }
          return (callback as (...a: unknown[]) => unknown).apply(this, result);
        };
      }
      return (orig.open as (...a: unknown[]) => void).apply(this, args);
    }
    function closeSync(this: unknown, ...args: unknown[]): void {
      const fd = args[0];
      try {
        return (orig.closeSync as (...a: unknown[]) => void).apply(this, args);
      } finally {
        if (typeof fd === 'number') self.fdRecords.delete(fd);
      }
    }
    function close(this: unknown, ...args: unknown[]): void {
      if (typeof args[0] === 'number') self.fdRecords.delete(args[0]);
      return (orig.close as (...a: unknown[]) => void).apply(this, args);
    }
    function promisesOpen(this: unknown, ...args: unknown[]): Promise<{ fd: number }> {
      let holder: Holder | null = null;
      try {
        holder = capture(promisesOpen);
      } catch {}
      const result = orig.promisesOpen.apply(this, args);
      if (holder === null) return result;
      return result.then((fh) => {
        try {
          const rec = self.recentFileHandles.findLast((r) => r.stackId < 0 && r.target()?.fd === fh.fd);
          if (rec !== undefined) {
            rec.openHolder = holder;
            rec.detail = pathText(args[0]);
            rec.detailFinal = true;
          }
        } catch {}
        return fh;
      });
    }
    Object.defineProperty(open, 'name', { value: 'open' });
    Object.defineProperty(promisesOpen, 'name', { value: 'open' });
    const set = (obj: object, key: string, value: unknown, previous: unknown): void => this.replace(obj, key, value, previous);
    set(fs, 'openSync', openSync, orig.openSync);
    set(fs, 'open', open, orig.open);
    set(fs, 'closeSync', closeSync, orig.closeSync);
    set(fs, 'close', close, orig.close);
    set(promises, 'open', promisesOpen, orig.promisesOpen);
    try {
      // ESM `import { openSync } from 'node:fs'` sees the wrappers too.
      nodeModule.syncBuiltinESMExports();
    } catch {}
  }

  // --- capture folder --------------------------------------------------------------------

  private openCapture(dir: string): void {
    try {
      this.captureFd = this.origOpenSync(path.join(dir, HANDLES_FILE), 'a');
      this.appendLine({ kind: 'agent', ...this.info(), t: Date.now(), ppid: process.ppid });
    } catch {
      this.captureFd = -1;
    }
  }

  private appendLine(value: Record<string, unknown>): void {
    if (this.captureFd < 0) return;
    this.pendingLines.push(JSON.stringify({ pid: this.pid, threadId: this.threadId, ...value }));
    this.writePending();
  }

  private writePending(): void {
    if (this.captureFd < 0 || this.pendingLines.length === 0) {
      if (this.captureFd < 0) this.pendingLines = [];
      return;
    }
    const text = `${this.pendingLines.join('\n')}\n`;
    this.pendingLines = [];
    try {
      this.origWriteSync(this.captureFd, text);
    } catch {}
  }

  /** `stack` lines for new stacks, `open` lines for handles seen alive for the first time. */
  private writeRecords(): void {
    if (this.captureFd < 0) {
      this.pendingLines = [];
      this.interner.takeNew();
      return;
    }
    const t = Date.now();
    for (const id of this.interner.takeNew()) {
      this.pendingLines.push(
        JSON.stringify({ kind: 'stack', pid: this.pid, threadId: this.threadId, id, frames: this.interner.frames(id) }),
      );
    }
    const opened: HandleRecord[] = [];
    for (const rec of this.records.values()) if (!rec.written && rec.stackId >= 0 && !rec.sourceOnly) opened.push(rec);
    for (const rec of this.fdRecords.values()) if (!rec.written && rec.stackId >= 0) opened.push(rec);
    for (const rec of opened) {
      rec.written = true;
      this.pendingLines.push(JSON.stringify({ kind: 'open', t, ...this.describe(rec) }));
    }
    this.writePending();
  }

  private tick(): void {
    if (this.stopped) return;
    this.withOwn(() => {
      try {
        this.sweep(true);
        this.writeRecords();
        if (!workerThreads.isMainThread) this.postReport();
        // Reports of workers that went silent (exited without a goodbye) are dropped.
        const stale = Date.now() - 5 * this.options.flushIntervalMs - 1000;
        for (const [id, report] of this.workerReports) if (report.t < stale) this.workerReports.delete(id);
      } catch {}
    });
  }

  private exitRecord(): void {
    try {
      this.withOwn(() => {
        // A one-shot timer whose callback is running right now (it called process.exit) is
        // not outstanding: it is being spent.
        const running = asyncHooks.executionAsyncId();
        const handles = this.outstanding({ threads: true, libuv: true }).filter(
          (h) => !(h.type === 'Timeout' && h.threadId === this.threadId && h.asyncId === running && h.detail?.startsWith('setTimeout')),
        );
        this.writeRecords();
        this.appendLine({ kind: 'exit', t: Date.now(), exitCode: process.exitCode ?? null, handles });
        if (!workerThreads.isMainThread && this.channel) {
          this.channel.postMessage({ kind: 'bye', threadId: this.threadId } satisfies WorkerMessage);
        }
        if (this.controlPath) fs.rmSync(this.controlPath, { force: true });
      });
    } catch {}
  }

  // --- worker threads --------------------------------------------------------------------

  private openChannel(): void {
    try {
      this.withOwn(() => {
        const channel = new BroadcastChannel(`leaktrace.agent.${process.pid}`);
        (channel as unknown as { unref?: () => void }).unref?.();
        channel.onmessage = (event: unknown) => {
          this.withOwn(() => {
            try {
              this.onChannelMessage((event as { data: WorkerMessage }).data);
            } catch {}
          });
        };
        this.channel = channel;
      });
      if (!workerThreads.isMainThread) this.postReport();
    } catch {
      this.channel = null;
    }
  }

  private closeChannel(): void {
    try {
      this.channel?.close();
    } catch {}
    this.channel = null;
  }

  private onChannelMessage(message: WorkerMessage): void {
    if (message === null || typeof message !== 'object' || message.threadId === this.threadId) return;
    if (workerThreads.isMainThread) {
      if (message.kind === 'bye') this.workerReports.delete(message.threadId);
      else if (message.kind === 'report') {
        this.acceptReport(message);
        // A worker that started (or was given its agent) while we were paused, or missed a
        // message: told again what the main thread does.
        if (typeof message.paused === 'boolean' && message.paused !== (this.pausedAt !== null))
          this.tellWorkers(this.pausedAt !== null ? 'pause' : 'resume');
      }
    } else if (message.kind === 'collect') this.postReport();
    else if (message.kind === 'pause') this.pause();
    else if (message.kind === 'resume') this.resume();
    else if (message.kind === 'stop') this.stop();
  }

  /** The main thread's agent passes pause, resume and stop on to the workers' agents. */
  private tellWorkers(kind: 'pause' | 'resume' | 'stop'): void {
    if (!workerThreads.isMainThread || this.channel === null) return;
    try {
      this.withOwn(() => this.channel!.postMessage({ kind, threadId: this.threadId } satisfies WorkerMessage));
    } catch {}
  }

  /** A worker's report, its stack ids re-interned into this agent's id space. */
  private acceptReport(message: WorkerMessage): void {
    let map = this.workerStackMap.get(message.threadId);
    if (map === undefined) {
      map = new Map();
      this.workerStackMap.set(message.threadId, map);
    }
    for (const [id, frames] of Object.entries(message.stacks ?? {})) {
      if (!map.has(Number(id))) map.set(Number(id), this.interner.intern(frames));
    }
    const handles = (message.handles ?? []).map((h) => ({
      ...h,
      stackId: map.get(h.stackId) ?? 0,
      ownStackId: map.get(h.ownStackId) ?? 0,
    }));
    this.workerReports.set(message.threadId, { threadId: message.threadId, t: Date.now(), handles });
    for (const waiter of this.collectWaiters.slice()) waiter();
  }

  private postReport(): void {
    if (this.channel === null) return;
    const handles = this.outstanding({ threads: false });
    const ids = new Set<number>();
    for (const h of handles) {
      ids.add(h.stackId);
      ids.add(h.ownStackId);
    }
    const message: WorkerMessage = {
      kind: 'report',
      threadId: this.threadId,
      t: Date.now(),
      handles,
      stacks: this.stacks([...ids]),
      paused: this.pausedAt !== null,
    };
    this.channel.postMessage(message);
  }

  // --- control socket --------------------------------------------------------------------

  private openControl(): void {
    try {
      const dir = controlDirectory();
      if (dir === null) return;
      const socketPath = path.join(dir, `${process.pid}.sock`);
      fs.rmSync(socketPath, { force: true });
      this.withOwn(() => {
        const server = net.createServer((socket) => this.serveControl(socket));
        server.on('error', () => this.closeControl());
        server.listen(socketPath);
        server.unref();
        this.controlServer = server;
      });
      this.controlPath = socketPath;
    } catch {
      this.controlServer = null;
    }
  }

  private closeControl(): void {
    try {
      this.controlServer?.close();
      if (this.controlPath) fs.rmSync(this.controlPath, { force: true });
    } catch {}
    this.controlServer = null;
    this.controlPath = null;
  }

  /** JSON lines: `{id, cmd, args}` in, `{id, ok, result | error}` out. */
  private serveControl(socket: net.Socket): void {
    socket.unref();
    socket.setEncoding('utf8');
    let buffer = '';
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 1 << 20) return socket.destroy();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        void this.answer(line).then((reply) => {
          if (!socket.destroyed) this.withOwn(() => socket.write(`${reply}\n`));
        });
      }
    });
  }

  private async answer(line: string): Promise<string> {
    let id: unknown = null;
    try {
      const request = JSON.parse(line) as { id?: unknown; cmd?: string; args?: Record<string, unknown> };
      id = request.id ?? null;
      const args = request.args ?? {};
      await this.collectWorkers(Number(args.workerTimeoutMs) || 250);
      const result = this.withOwn(() => this.command(String(request.cmd), args));
      return JSON.stringify({ id, ok: true, result });
    } catch (err) {
      return JSON.stringify({ id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private command(cmd: string, args: Record<string, unknown>): unknown {
    const withStacks = <T extends { handles?: OutstandingHandle[]; opened?: OutstandingHandle[] }>(value: T) => {
      const ids = new Set<number>();
      for (const h of [...(value.handles ?? []), ...(value.opened ?? [])]) {
        ids.add(h.stackId);
        ids.add(h.ownStackId);
      }
      return { ...value, stacks: this.stacks([...ids]) };
    };
    switch (cmd) {
      case 'info':
        return { ...this.info(), stats: this.stats(), snapshots: this.snapshots() };
      case 'outstanding':
        return withStacks({ t: Date.now(), handles: this.outstanding({ libuv: args.libuv !== false }) });
      case 'snapshot':
        return this.snapshot(typeof args.label === 'string' ? args.label : undefined);
      case 'diff':
        return withStacks(this.diff(typeof args.id === 'number' ? args.id : undefined, { libuv: true }));
      default:
        throw new Error(`unknown command '${cmd}'`);
    }
  }
}

function handleKey(h: OutstandingHandle): string {
  return `${h.threadId}:${h.asyncId}`;
}

/** The key of a handle's timer chain (its own key for anything that is not one). */
function lineageKey(h: OutstandingHandle): string {
  return `${h.threadId}:${h.lineage ?? h.asyncId}`;
}

function pathText(file: unknown): string | null {
  if (typeof file === 'string') return path.resolve(file);
  if (file instanceof URL) return file.protocol === 'file:' ? decodeURIComponent(file.pathname) : file.href;
  if (Buffer.isBuffer(file)) return path.resolve(file.toString());
  return null;
}

/** A few words about what the handle is: addresses, paths, pids, delays. */
function detailOf(rec: HandleRecord): string | null {
  const r = rec.target();
  if (r === undefined) return null;
  try {
    if (rec.type === 'Timeout') {
      const ms = r._idleTimeout;
      return `${r._repeat ? 'setInterval' : 'setTimeout'} ${typeof ms === 'number' ? ms : '?'} ms`;
    }
    const owner = ownerOf(r);
    if (owner === undefined) return null;
    if (rec.type === 'TCPSERVERWRAP' || rec.type === 'PIPESERVERWRAP') {
      const a = (owner.address as () => unknown)?.call(owner) as { address?: string; port?: number } | string | null;
      return a === null || a === undefined ? 'server' : typeof a === 'string' ? `listening ${a}` : `listening ${a.address}:${a.port}`;
    }
    if (rec.type === 'TCPWRAP' || rec.type === 'TLSWRAP') {
      const local = owner.localAddress ? `${owner.localAddress}:${owner.localPort}` : '?';
      const remote = owner.remoteAddress ? `${owner.remoteAddress}:${owner.remotePort}` : '(not connected)';
      return `${local} -> ${remote}`;
    }
    if (rec.type === 'PROCESSWRAP') {
      const args = owner.spawnargs as string[] | undefined;
      return `pid ${String(owner.pid)}${args ? `: ${args.join(' ').slice(0, 120)}` : ''}`;
    }
    if (rec.type === 'ZLIB') return (owner.constructor as { name?: string })?.name ?? null;
    if (rec.type === 'UDPWRAP') {
      const a = (owner.address as () => { address: string; port: number })?.call(owner);
      return a ? `${a.address}:${a.port}` : null;
    }
  } catch {}
  return null;
}

/** The per-user directory of control sockets (0700), or null when it is not safe to use. */
function controlDirectory(): string | null {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const base = process.env.XDG_RUNTIME_DIR
    ? path.join(process.env.XDG_RUNTIME_DIR, 'leaktrace')
    : path.join(os.tmpdir(), `leaktrace-${uid}`);
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(base);
  // Someone else's directory, or one others can write to, could hand our requests to an impostor.
  if (!st.isDirectory() || (uid >= 0 && st.uid !== uid) || (st.mode & 0o077) !== 0) return null;
  return base;
}

interface LibuvHandle {
  type: string;
  is_active: boolean;
  is_referenced: boolean;
  fd?: number;
  pid?: number;
  filename?: string;
  signum?: number;
}

/**
 * Matches handles to the diagnostic report's libuv list (by fd, pid or path) and takes its
 * word for what keeps the loop alive: active and referenced. Network names are not resolved.
 */
function crossCheckLibuv(handles: OutstandingHandle[]): void {
  let libuv: LibuvHandle[];
  try {
    const report = process.report as unknown as { excludeNetwork?: boolean; getReport(): { libuv?: LibuvHandle[] } };
    const prev = report.excludeNetwork;
    report.excludeNetwork = true;
    try {
      libuv = report.getReport().libuv ?? [];
    } finally {
      report.excludeNetwork = prev;
    }
  } catch {
    return;
  }
  const byFd = new Map<number, LibuvHandle>();
  const byPid = new Map<number, LibuvHandle>();
  for (const h of libuv) {
    if (typeof h.fd === 'number' && h.fd >= 0) byFd.set(h.fd, h);
    if (typeof h.pid === 'number') byPid.set(h.pid, h);
  }
  for (const h of handles) {
    let match: LibuvHandle | undefined;
    if (h.type !== 'fd' && h.type !== 'FILEHANDLE' && h.fd !== null) match = byFd.get(h.fd);
    if (match === undefined && h.type === 'PROCESSWRAP' && h.detail) {
      const m = /^pid (\d+)/.exec(h.detail);
      if (m) match = byPid.get(Number(m[1]));
    }
    if (match !== undefined) {
      h.libuv = { type: match.type, active: match.is_active, referenced: match.is_referenced };
      h.keepsAlive = match.is_active && match.is_referenced;
    }
  }
}

/** Installs the agent in this thread (once; later calls return the first agent). */
function installAgent(options: AgentOptions = {}): AgentApi {
  const g = globalThis as Record<symbol, AgentApi | undefined>;
  const existing = g[AGENT_KEY];
  if (existing !== undefined) return existing;
  const agent = new HandleAgent(options);
  Object.defineProperty(globalThis, AGENT_KEY, { value: agent.api, configurable: true, enumerable: false, writable: false });
  return agent.api;
}

/** The installed agent of this thread, if any. */
function getAgent(): AgentApi | undefined {
  return (globalThis as Record<symbol, AgentApi | undefined>)[AGENT_KEY];
}

// Preloaded with `node --require agent.cjs`: configured by LEAKTRACE_AGENT (JSON options).
// A bad value never stops the program: one line on stderr and no agent.
if (typeof module !== 'undefined' && process.env.LEAKTRACE_AGENT !== undefined && getAgent() === undefined) {
  try {
    const parsed = JSON.parse(process.env.LEAKTRACE_AGENT) as AgentOptions;
    installAgent({ control: true, fromProcessStart: true, ...parsed });
  } catch (err) {
    try {
      process.stderr.write(`leaktrace agent: not installed: ${err instanceof Error ? err.message : String(err)}\n`);
    } catch {}
  }
}

const exported: AgentModule = { installAgent, getAgent, AGENT_API_VERSION, HANDLES_FILE };
module.exports = exported;
