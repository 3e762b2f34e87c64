/** The telephony (ESL) layer: what the rest of the server imports. */
export { parseFreeswitchEsl, nodeName, type EslNodeConfig } from './config';
export { EslCommandError, EslConnectionError, EslTimeoutError, ChannelHangupError } from './errors';
export { EslInboundConnection, ConnectionState, SUBSCRIBED_EVENTS, type NodeHealth, type EslInboundOptions, type CommandOptions } from './inbound-connection';
export { TelephonyNodes, type TelephonyNodesOptions } from './nodes';
export { EslOutboundServer, type OutboundServerOptions } from './outbound-server';
export { OutboundSession, SessionState, type ExecuteResult, type DtmfInfo, type OutboundSessionOptions } from './outbound-session';
export { parseConnectReply, HOTLINE_CALL_ID_VAR, type ChannelSnapshot } from './channel-snapshot';
export { normalizeEvent, type TelephonyEvent, type TelephonyEventType } from './events';
export { Call, ChannelCallState, type CallLeg } from './call';
export { CallRegistry, type CallRegistryOptions } from './call-registry';
export type { EslOk } from './reply';
export type { RawEslEvent } from './wire';
export * as commands from './commands';
