import type { Logger } from 'pino';
import type { EndpointBehaviour } from './core/endpoints';
import type { SipSimOptions } from './sip';

export type { EndpointBehaviour };

export interface FreeswitchSimOptions {
  /** Default 127.0.0.1. */
  eslHost?: string;
  /** Default 8021; 0 = ephemeral. */
  eslPort?: number;
  /** Default 'ClueCon'. */
  password?: string;
  /** Default <repo>/dialplan; routing (which number goes to which socket) comes from the XML there. */
  dialplanDir?: string;
  /** $${var} values for the dialplan, e.g. { hotline_socket: '127.0.0.1:40123' }; they override dialplan/vars.xml. */
  globals?: Record<string, string>;
  /** Time factor for playback/sleep/ring durations: 1 = real time, 20 = 20x faster. */
  speed?: number;
  /** Where relative recording paths go (absolute paths given by the app are honoured). Default os.tmpdir()/freeswitch-sim/recordings. */
  recordingsDir?: string;
  /** Where relative prompt paths resolve. Default <repo>/media/prompts. */
  soundsDir?: string;
  logger?: Logger;
  /** HEARTBEAT interval in real milliseconds (FreeSWITCH: 20000); 0 disables. Default 20000. */
  heartbeatMs?: number;
  /** sip/ hook: SIP over WebSocket for browser softphones (REGISTER, INVITE, WebRTC media); off when absent. */
  sip?: SipSimOptions;
}

export interface SimCall {
  readonly uuid: string;
  /** One DTMF event per digit (DTMF-Duration 1600, DTMF-Source RTP); feeds play_and_get_digits/read. */
  pressDtmf(digits: string, gapMs?: number): Promise<void>;
  /** The far end hangs up (default NORMAL_CLEARING). */
  hangup(cause?: string): Promise<void>;
  readonly answered: boolean;
  readonly ended: boolean;
  /** Resolves with the hangup cause. */
  waitForEnd(timeoutMs?: number): Promise<string>;
  variable(name: string): string | undefined;
}

export interface FreeswitchSim {
  readonly eslPort: number;
  /** sip/ hook: the WS port of the SIP listener (0 when `sip` was not given). */
  readonly sipPort: number;
  /** An inbound call to a service number: runs the dialplan (socket app -> outbound ESL connection). */
  placeCall(opts: { from: string; to: string; callerName?: string }): Promise<SimCall>;
  call(uuid: string): SimCall | undefined;
  /** user/NAME; emits sofia::register. */
  registerEndpoint(name: string, behaviour?: EndpointBehaviour): void;
  setEndpointBehaviour(name: string, behaviour: EndpointBehaviour): void;
  /** Emits sofia::unregister. */
  unregisterEndpoint(name: string): void;
  channelUuids(): string[];
  /** Closes the listener and all connections; a new sim can listen on the same port right after. */
  stop(): Promise<void>;
  /** When on, accepted commands get no reply (to test client timeouts). */
  stall(on: boolean): void;
}
