import type { Document } from 'bson';

/**
 * Every event mongorx publishes on `client.events$`, discriminated by `name`.
 * Names and fields follow the SDAM monitoring, CMAP and command-monitoring specs.
 * Descriptions are typed loosely here (`unknown`) so this leaf module depends on nothing;
 * the sdam layer narrows them with its own types.
 */
interface EventBase {
  /** Milliseconds since the epoch when the event was created. */
  readonly time: number;
}

// --- SDAM (server-discovery-and-monitoring, "Monitoring") ---
export interface TopologyOpeningEvent extends EventBase {
  readonly name: 'topologyOpening';
  readonly topologyId: number;
}
export interface TopologyClosedEvent extends EventBase {
  readonly name: 'topologyClosed';
  readonly topologyId: number;
}
export interface TopologyDescriptionChangedEvent extends EventBase {
  readonly name: 'topologyDescriptionChanged';
  readonly topologyId: number;
  readonly previousDescription: unknown;
  readonly newDescription: unknown;
}
export interface ServerOpeningEvent extends EventBase {
  readonly name: 'serverOpening';
  readonly topologyId: number;
  readonly address: string;
}
export interface ServerClosedEvent extends EventBase {
  readonly name: 'serverClosed';
  readonly topologyId: number;
  readonly address: string;
}
export interface ServerDescriptionChangedEvent extends EventBase {
  readonly name: 'serverDescriptionChanged';
  readonly topologyId: number;
  readonly address: string;
  readonly previousDescription: unknown;
  readonly newDescription: unknown;
}
export interface ServerHeartbeatStartedEvent extends EventBase {
  readonly name: 'serverHeartbeatStarted';
  readonly connectionId: string;
  readonly awaited: boolean;
}
export interface ServerHeartbeatSucceededEvent extends EventBase {
  readonly name: 'serverHeartbeatSucceeded';
  readonly connectionId: string;
  readonly duration: number;
  readonly reply: Document;
  readonly awaited: boolean;
}
export interface ServerHeartbeatFailedEvent extends EventBase {
  readonly name: 'serverHeartbeatFailed';
  readonly connectionId: string;
  readonly duration: number;
  readonly failure: Error;
  readonly awaited: boolean;
}

// --- CMAP (connection-monitoring-and-pooling, "Events") ---
export type ConnectionClosedReason = 'stale' | 'idle' | 'error' | 'poolClosed';
export type ConnectionCheckOutFailedReason = 'poolClosed' | 'timeout' | 'connectionError';

export interface ConnectionPoolCreatedEvent extends EventBase {
  readonly name: 'connectionPoolCreated';
  readonly address: string;
  readonly options: {
    readonly maxPoolSize: number;
    readonly minPoolSize: number;
    readonly maxIdleTimeMS: number;
    readonly waitQueueTimeoutMS: number;
    readonly maxConnecting: number;
  };
}
export interface ConnectionPoolReadyEvent extends EventBase {
  readonly name: 'connectionPoolReady';
  readonly address: string;
}
export interface ConnectionPoolClearedEvent extends EventBase {
  readonly name: 'connectionPoolCleared';
  readonly address: string;
  readonly serviceId?: unknown;
  readonly interruptInUseConnections: boolean;
}
export interface ConnectionPoolClosedEvent extends EventBase {
  readonly name: 'connectionPoolClosed';
  readonly address: string;
}
export interface ConnectionCreatedEvent extends EventBase {
  readonly name: 'connectionCreated';
  readonly address: string;
  readonly connectionId: number;
}
export interface ConnectionReadyEvent extends EventBase {
  readonly name: 'connectionReady';
  readonly address: string;
  readonly connectionId: number;
  /** Milliseconds from connectionCreated to ready (handshake and auth included). */
  readonly durationMS: number;
}
export interface ConnectionClosedEvent extends EventBase {
  readonly name: 'connectionClosed';
  readonly address: string;
  readonly connectionId: number;
  readonly reason: ConnectionClosedReason;
  readonly error?: Error;
}
export interface ConnectionCheckOutStartedEvent extends EventBase {
  readonly name: 'connectionCheckOutStarted';
  readonly address: string;
}
export interface ConnectionCheckOutFailedEvent extends EventBase {
  readonly name: 'connectionCheckOutFailed';
  readonly address: string;
  readonly reason: ConnectionCheckOutFailedReason;
  readonly error?: Error;
  readonly durationMS: number;
}
export interface ConnectionCheckedOutEvent extends EventBase {
  readonly name: 'connectionCheckedOut';
  readonly address: string;
  readonly connectionId: number;
  readonly durationMS: number;
}
export interface ConnectionCheckedInEvent extends EventBase {
  readonly name: 'connectionCheckedIn';
  readonly address: string;
  readonly connectionId: number;
}

// --- Command monitoring (command-logging-and-monitoring) ---
interface CommandEventBase extends EventBase {
  readonly requestId: number;
  readonly databaseName: string;
  readonly commandName: string;
  readonly address: string;
  /** Driver-side connection id. */
  readonly connectionId: number;
  /** Server-side connection id from the handshake, when the server reported one. */
  readonly serverConnectionId?: number;
  readonly serviceId?: unknown;
}
export interface CommandStartedEvent extends CommandEventBase {
  readonly name: 'commandStarted';
  readonly command: Document;
}
export interface CommandSucceededEvent extends CommandEventBase {
  readonly name: 'commandSucceeded';
  readonly duration: number;
  readonly reply: Document;
}
export interface CommandFailedEvent extends CommandEventBase {
  readonly name: 'commandFailed';
  readonly duration: number;
  readonly failure: Error;
}

export type SdamEvent =
  | TopologyOpeningEvent
  | TopologyClosedEvent
  | TopologyDescriptionChangedEvent
  | ServerOpeningEvent
  | ServerClosedEvent
  | ServerDescriptionChangedEvent;
export type HeartbeatEvent =
  | ServerHeartbeatStartedEvent
  | ServerHeartbeatSucceededEvent
  | ServerHeartbeatFailedEvent;
export type CmapEvent =
  | ConnectionPoolCreatedEvent
  | ConnectionPoolReadyEvent
  | ConnectionPoolClearedEvent
  | ConnectionPoolClosedEvent
  | ConnectionCreatedEvent
  | ConnectionReadyEvent
  | ConnectionClosedEvent
  | ConnectionCheckOutStartedEvent
  | ConnectionCheckOutFailedEvent
  | ConnectionCheckedOutEvent
  | ConnectionCheckedInEvent;
export type CommandEvent = CommandStartedEvent | CommandSucceededEvent | CommandFailedEvent;

export type MongoEvent = SdamEvent | HeartbeatEvent | CmapEvent | CommandEvent;
export type MongoEventName = MongoEvent['name'];
/** The event type for a given name: `EventOf<'commandStarted'>`. */
export type EventOf<N extends MongoEventName> = Extract<MongoEvent, { name: N }>;
/** What emitters pass: the bus stamps `time`. */
export type EventInit<E extends MongoEvent = MongoEvent> = E extends MongoEvent ? Omit<E, 'time'> : never;
