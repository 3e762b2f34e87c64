/**
 * In-memory fakes of the engine's ports for unit tests (and the benchmark's sanity checks):
 * a scripted caller on a fake channel, a settable clock, a trail and stores in arrays.
 */
import { CallerHangupError } from '../errors';
import type {
  BridgeResult,
  CallChannel,
  Clock,
  DigitRequest,
  DigitResult,
  EnginePorts,
  FlowLoader,
  HttpClient,
  HttpRequest,
  HttpResponse,
  PromptRef,
  PromptResolver,
  QueuePort,
  QueueRequest,
  QueueResult,
  RecordRequest,
  RecordResult,
  SurveyResult,
  SurveyStore,
  TrailEntry,
  TrailSink,
  TransferPort,
  VoicemailMessage,
  VoicemailStore,
} from '../ports';

export type ChannelOp =
  | { op: 'answer' }
  | { op: 'play'; files: string[] }
  | { op: 'pagd'; req: DigitRequest; digits: string }
  | { op: 'record'; req: RecordRequest }
  | { op: 'setVar'; name: string; value: string }
  | { op: 'bridge'; dialString: string }
  | { op: 'hangup'; cause: string };

/** What the scripted caller does at the next digit prompt: keys, nothing (timeout), or hang up. */
export type CallerStep = string | { hangup: true };

export class FakeChannel implements CallChannel {
  readonly ops: ChannelOp[] = [];
  readonly uuid = 'fake-uuid';
  /** Consumed by each playAndGetDigits; '' is a timeout. Exhausted: timeouts. */
  steps: CallerStep[];
  recordResult: RecordResult | 'hangup' = { durationMs: 4000 };
  bridgeResult: BridgeResult = { outcome: 'connected' };
  #hungUp = false;
  #listeners = new Set<(cause: string) => void>();

  constructor(
    steps: CallerStep[] = [],
    readonly callerNumber = '13800000001',
    readonly destinationNumber = '4001',
  ) {
    this.steps = steps;
  }

  get hungUp(): boolean {
    return this.#hungUp;
  }

  /** The caller hangs up now. */
  callerHangup(cause = 'NORMAL_CLEARING'): void {
    if (this.#hungUp) return;
    this.#hungUp = true;
    for (const l of [...this.#listeners]) l(cause);
  }

  #guard(): void {
    if (this.#hungUp) throw new CallerHangupError('NORMAL_CLEARING');
  }

  answer(): Promise<void> {
    this.#guard();
    this.ops.push({ op: 'answer' });
    return Promise.resolve();
  }

  play(files: string[]): Promise<void> {
    this.#guard();
    this.ops.push({ op: 'play', files });
    return Promise.resolve();
  }

  playAndGetDigits(req: DigitRequest): Promise<DigitResult> {
    this.#guard();
    const step = this.steps.shift() ?? '';
    if (typeof step !== 'string') {
      this.ops.push({ op: 'pagd', req, digits: '' });
      this.callerHangup();
      return Promise.reject(new CallerHangupError('NORMAL_CLEARING'));
    }
    let digits = step;
    let terminator: string | undefined;
    if (req.terminators && digits.length > 0 && req.terminators.includes(digits.slice(-1))) {
      terminator = digits.slice(-1);
      digits = digits.slice(0, -1);
    }
    digits = digits.slice(0, req.maxDigits);
    this.ops.push({ op: 'pagd', req, digits });
    return Promise.resolve(terminator ? { digits, terminator } : { digits });
  }

  record(req: RecordRequest): Promise<RecordResult> {
    this.#guard();
    this.ops.push({ op: 'record', req });
    if (this.recordResult === 'hangup') {
      this.callerHangup();
      return Promise.reject(new CallerHangupError('NORMAL_CLEARING'));
    }
    return Promise.resolve(this.recordResult);
  }

  setVar(name: string, value: string): Promise<void> {
    this.#guard();
    this.ops.push({ op: 'setVar', name, value });
    return Promise.resolve();
  }

  bridge(dialString: string): Promise<BridgeResult> {
    this.#guard();
    this.ops.push({ op: 'bridge', dialString });
    return Promise.resolve(this.bridgeResult);
  }

  hangup(cause = 'NORMAL_CLEARING'): Promise<void> {
    if (this.#hungUp) return Promise.resolve();
    this.ops.push({ op: 'hangup', cause });
    this.#hungUp = true;
    return Promise.resolve();
  }

  onHangup(listener: (cause: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Files played, in order (play, and prompts of digit requests). */
  played(): string[] {
    return this.ops.flatMap((o) => (o.op === 'play' ? o.files : o.op === 'pagd' ? o.req.prompt : []));
  }
}

export class FakeClock implements Clock {
  constructor(public current: Date = new Date('2026-03-02T02:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class MemoryTrail implements TrailSink {
  readonly entries: TrailEntry[] = [];
  append(entry: TrailEntry): void {
    this.entries.push(entry);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  /** `node:kind[:exit]` lines: compact to assert on. */
  summary(): string[] {
    return this.entries.map((e) => [e.nodeId ?? '-', e.kind, e.exit].filter((x) => x !== undefined).join(':'));
  }
}

/** Resolves prompts to readable fake paths: prompt:name, tts:lang:text, or the file itself. */
export class FakePrompts implements PromptResolver {
  failing = new Set<string>();
  resolve(ref: PromptRef, defaultLang: 'en' | 'zh'): Promise<string> {
    if ('prompt' in ref) {
      if (this.failing.has(ref.prompt)) return Promise.reject(new Error(`prompt ${ref.prompt} is missing`));
      return Promise.resolve(`prompt:${ref.prompt}`);
    }
    if ('text' in ref) return Promise.resolve(`tts:${ref.lang ?? defaultLang}:${ref.text}`);
    return Promise.resolve(ref.file);
  }
}

export class FakeQueue implements QueuePort {
  readonly requests: QueueRequest[] = [];
  /** An outcome, or 'wait' to wait until the caller hangs up (signal). */
  outcome: QueueResult | 'wait' | 'throw' = 'no_agents';
  enqueue(req: QueueRequest, _channel: CallChannel, signal: AbortSignal): Promise<QueueResult> {
    this.requests.push(req);
    if (this.outcome === 'throw') return Promise.reject(new Error('ACD unavailable'));
    if (this.outcome === 'wait') return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    return Promise.resolve(this.outcome);
  }
}

export class FakeTransfer implements TransferPort {
  readonly requests: Parameters<TransferPort['transfer']>[0][] = [];
  outcome: 'connected' | 'failed' = 'connected';
  transfer(req: Parameters<TransferPort['transfer']>[0]): Promise<'connected' | 'failed'> {
    this.requests.push(req);
    return Promise.resolve(this.outcome);
  }
}

export class MemoryVoicemail implements VoicemailStore {
  readonly saved: VoicemailMessage[] = [];
  allocate(callId: string, nodeId: string): string {
    return `/media/voicemail/${callId}-${nodeId}.wav`;
  }
  save(msg: VoicemailMessage): Promise<string> {
    this.saved.push(msg);
    return Promise.resolve(`vm-${this.saved.length}`);
  }
}

export class MemorySurvey implements SurveyStore {
  readonly saved: SurveyResult[] = [];
  save(result: SurveyResult): Promise<string> {
    this.saved.push(result);
    return Promise.resolve(`sv-${this.saved.length}`);
  }
}

export class FakeHttp implements HttpClient {
  readonly requests: HttpRequest[] = [];
  constructor(public handler: (req: HttpRequest) => Promise<HttpResponse> = () => Promise.resolve({ status: 200, json: {} })) {}
  request(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    return this.handler(req);
  }
}

export class MemoryFlows implements FlowLoader {
  readonly flows = new Map<string, { flowId: string; version: number; definition: unknown }>();
  loadPublished(name: string): Promise<{ flowId: string; version: number; definition: unknown } | undefined> {
    return Promise.resolve(this.flows.get(name));
  }
}

export interface FakePorts extends EnginePorts {
  prompts: FakePrompts;
  clock: FakeClock;
  trail: MemoryTrail;
  queue: FakeQueue;
  transfer: FakeTransfer;
  voicemail: MemoryVoicemail;
  survey: MemorySurvey;
  http: FakeHttp;
  flows: MemoryFlows;
}

export function fakePorts(): FakePorts {
  return {
    prompts: new FakePrompts(),
    clock: new FakeClock(),
    trail: new MemoryTrail(),
    queue: new FakeQueue(),
    transfer: new FakeTransfer(),
    voicemail: new MemoryVoicemail(),
    survey: new MemorySurvey(),
    http: new FakeHttp(),
    flows: new MemoryFlows(),
  };
}
