/**
 * The ports of the IVR engine: everything it needs from the outside world, as narrow
 * interfaces. Adapters (server/ivr/adapters) implement them over ESL, Postgres, HTTP,
 * the file system and the ACD; tests implement them in memory. The engine imports no
 * I/O library (an ESLint rule keeps server/ivr/engine/** pure).
 */

/** What a caller typed in one play_and_get_digits attempt. Empty digits: nothing before the timeout. */
export interface DigitResult {
  digits: string;
  /** The terminator that ended input, when one did. */
  terminator?: string;
}

export interface DigitRequest {
  /** Playable files (already resolved); played in order, interrupted by the first key. */
  prompt: string[];
  minDigits: number;
  maxDigits: number;
  /** Wait for the first key after the prompt ended, ms. */
  timeoutMs: number;
  /** Wait between keys, ms. */
  digitTimeoutMs: number;
  /** Keys that end input early ('' for none). */
  terminators: string;
  /** FreeSWITCH-side regex the input must match ('' accepts all). */
  regex: string;
}

export interface RecordRequest {
  /** Where the media server writes the recording (a path on its file system). */
  path: string;
  maxSeconds: number;
  /** Energy threshold for silence detection (FreeSWITCH `record` silence_thresh). */
  silenceThreshold: number;
  /** Seconds of silence that end the recording. */
  silenceSeconds: number;
}

export interface RecordResult {
  /** Length of the recording when the media server reports it. */
  durationMs?: number;
}

export type BridgeResult = { outcome: 'connected' } | { outcome: 'failed'; cause: string };

/**
 * The call leg the flow runs on. Every method resolves when the outcome is known
 * (playback finished, digits collected) and rejects with CallerHangupError once the
 * caller is gone, or NonFatalNodeError when the media server refused the command.
 */
export interface CallChannel {
  readonly uuid: string;
  readonly callerNumber: string;
  readonly destinationNumber: string;
  /** True once the caller hung up (or the connection to the media server dropped). */
  readonly hungUp: boolean;
  answer(): Promise<void>;
  play(files: string[]): Promise<void>;
  playAndGetDigits(req: DigitRequest): Promise<DigitResult>;
  record(req: RecordRequest): Promise<RecordResult>;
  setVar(name: string, value: string): Promise<void>;
  /** Bridges the caller to a dial string; resolves when the bridged call ended (or failed). */
  bridge(dialString: string, opts: { timeoutSec: number }): Promise<BridgeResult>;
  hangup(cause?: string): Promise<void>;
  /** Called once when the caller hangs up; returns an unsubscribe function. */
  onHangup(listener: (cause: string) => void): () => void;
}

/** A prompt reference as written in a flow. */
export type PromptRef = { prompt: string } | { text: string; lang?: 'en' | 'zh' } | { file: string };

/** Turns prompt references into files the media server can play (rendering text when needed). */
export interface PromptResolver {
  resolve(ref: PromptRef, defaultLang: 'en' | 'zh'): Promise<string>;
}

export interface Clock {
  now(): Date;
}

export type TrailKind = 'start' | 'input' | 'outcome' | 'error' | 'vars' | 'end';

export interface TrailEntry {
  callId: string;
  seq: number;
  at: Date;
  flowId: string;
  flowVersion: number;
  nodeId: string | null;
  nodeType: string | null;
  kind: TrailKind;
  /** For `outcome`: the exit taken. */
  exit?: string;
  data?: Record<string, unknown>;
}

/**
 * The call's IVR trail. append() must not block the call: adapters queue and write in
 * order; flush() resolves when everything appended so far is stored.
 */
export interface TrailSink {
  append(entry: TrailEntry): void;
  flush(): Promise<void>;
}

/** Outcomes of the queue node; the ACD implements QueuePort (server/routing, a later issue). */
export type QueueOutcome = 'answered' | 'timeout' | 'full' | 'no_agents';

export interface QueueRequest {
  callId: string;
  skillGroup: string;
  priority: number;
  timeoutSec: number;
  maxQueueLength?: number;
  /** Music/prompt to play while waiting (already resolved). */
  holdMusic?: string;
  /** Caller attributes for routing (language, VIP, ...), from flow variables. */
  attributes: Record<string, string>;
}

/** The agent side handed the caller back to the flow at a node (a blind transfer to an IVR node). */
export interface QueueTransferToNode {
  transfer: 'ivr';
  /** A node id of the flow the call is in. */
  node: string;
}

export type QueueResult = QueueOutcome | QueueTransferToNode;

export interface QueuePort {
  /** Resolves when the caller left the queue: answered by an agent (and that leg ended), an overflow, or a transfer to a flow node. */
  enqueue(req: QueueRequest, channel: CallChannel, signal: AbortSignal): Promise<QueueResult>;
}

export type TransferTarget = { kind: 'agent'; agent: string } | { kind: 'skillGroup'; skillGroup: string } | { kind: 'external'; number: string };

export interface TransferPort {
  transfer(req: { callId: string; target: TransferTarget; timeoutSec: number; callerNumber: string }, channel: CallChannel, signal: AbortSignal): Promise<'connected' | 'failed'>;
}

export interface VoicemailMessage {
  callId: string;
  flowId: string;
  nodeId: string;
  mailbox: string;
  callerNumber: string;
  path: string;
  durationMs?: number;
}

export interface VoicemailStore {
  /** Where to record the message for this call/node (on the media server's file system). */
  allocate(callId: string, nodeId: string): string;
  save(msg: VoicemailMessage): Promise<string>;
}

export interface SurveyResult {
  callId: string;
  flowId: string;
  nodeId: string;
  survey: string;
  level1Digit: string | null;
  level1Label: string | null;
  level2Digit: string | null;
  level2Label: string | null;
}

export interface SurveyStore {
  save(result: SurveyResult): Promise<string>;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Parsed JSON body; undefined when the body was not JSON. */
  json: unknown;
}

/** The lookup node's HTTP client. Rejects on network errors and timeouts. */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** Loads another flow's published version (goto into another flow). */
export interface FlowLoader {
  loadPublished(flowName: string): Promise<{ flowId: string; version: number; definition: unknown } | undefined>;
}

/** Everything the engine needs, in one object the runner hands to nodes. */
export interface EnginePorts {
  prompts: PromptResolver;
  clock: Clock;
  trail: TrailSink;
  queue: QueuePort;
  transfer: TransferPort;
  voicemail: VoicemailStore;
  survey: SurveyStore;
  http: HttpClient;
  flows: FlowLoader;
}
