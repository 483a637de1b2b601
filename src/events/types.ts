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
/** Published when a MongoClient starts monitoring a deployment. */
export interface TopologyOpeningEvent extends EventBase {
  readonly name: 'topologyOpening';
  readonly topologyId: number;
}
/** Published when the topology is closed (`client.close()`). */
export interface TopologyClosedEvent extends EventBase {
  readonly name: 'topologyClosed';
  readonly topologyId: number;
}
/** Published when the topology description changes (a server joined, left or changed type). */
export interface TopologyDescriptionChangedEvent extends EventBase {
  readonly name: 'topologyDescriptionChanged';
  readonly topologyId: number;
  readonly previousDescription: unknown;
  readonly newDescription: unknown;
}
/** Published when a server is added to the topology. */
export interface ServerOpeningEvent extends EventBase {
  readonly name: 'serverOpening';
  readonly topologyId: number;
  readonly address: string;
}
/** Published when a server is removed from the topology. */
export interface ServerClosedEvent extends EventBase {
  readonly name: 'serverClosed';
  readonly topologyId: number;
  readonly address: string;
}
/** Published when a server's description changes (type, hosts, topologyVersion). */
export interface ServerDescriptionChangedEvent extends EventBase {
  readonly name: 'serverDescriptionChanged';
  readonly topologyId: number;
  readonly address: string;
  readonly previousDescription: unknown;
  readonly newDescription: unknown;
}
/** Fields of every heartbeat event beside the spec's (the SDAM log messages need them). */
interface HeartbeatEventBase extends EventBase {
  /** The server's address. */
  readonly connectionId: string;
  readonly awaited: boolean;
  /** The topology the monitor belongs to. */
  readonly topologyId?: number;
  /** Driver-side id of the monitoring connection, once it exists. */
  readonly driverConnectionId?: number;
  /** Server-side id of the monitoring connection, when the server reported one. */
  readonly serverConnectionId?: number;
}
/** Published when a monitor sends a heartbeat (`hello`); `awaited` for a streaming one. */
export interface ServerHeartbeatStartedEvent extends HeartbeatEventBase {
  readonly name: 'serverHeartbeatStarted';
}
/** Published when a heartbeat reply arrives. */
export interface ServerHeartbeatSucceededEvent extends HeartbeatEventBase {
  readonly name: 'serverHeartbeatSucceeded';
  readonly duration: number;
  readonly reply: Document;
}
/** Published when a heartbeat fails (network error, timeout). */
export interface ServerHeartbeatFailedEvent extends HeartbeatEventBase {
  readonly name: 'serverHeartbeatFailed';
  readonly duration: number;
  readonly failure: Error;
}

// --- CMAP (connection-monitoring-and-pooling, "Events") ---
/** Why a pooled connection was closed (CMAP spec). */
export type ConnectionClosedReason = 'stale' | 'idle' | 'error' | 'poolClosed';
/** Why a check-out failed (CMAP spec). */
export type ConnectionCheckOutFailedReason = 'poolClosed' | 'timeout' | 'connectionError';

/** Published when the pool of a server is created, with its options. */
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
/** Published when a pool becomes ready (its server was found usable). */
export interface ConnectionPoolReadyEvent extends EventBase {
  readonly name: 'connectionPoolReady';
  readonly address: string;
}
/** Published when a pool is cleared after an error; its idle connections are closed. */
export interface ConnectionPoolClearedEvent extends EventBase {
  readonly name: 'connectionPoolCleared';
  readonly address: string;
  readonly serviceId?: unknown;
  readonly interruptInUseConnections: boolean;
}
/** Published when a pool is closed. */
export interface ConnectionPoolClosedEvent extends EventBase {
  readonly name: 'connectionPoolClosed';
  readonly address: string;
}
/** Published when the pool starts establishing a connection. */
export interface ConnectionCreatedEvent extends EventBase {
  readonly name: 'connectionCreated';
  readonly address: string;
  readonly connectionId: number;
}
/** Published when a connection finished its handshake and authentication. */
export interface ConnectionReadyEvent extends EventBase {
  readonly name: 'connectionReady';
  readonly address: string;
  readonly connectionId: number;
  /** Milliseconds from connectionCreated to ready (handshake and auth included). */
  readonly durationMS: number;
}
/** Published when a connection is closed, with the reason. */
export interface ConnectionClosedEvent extends EventBase {
  readonly name: 'connectionClosed';
  readonly address: string;
  readonly connectionId: number;
  readonly reason: ConnectionClosedReason;
  readonly error?: Error;
}
/** Published when an operation starts checking out a connection. */
export interface ConnectionCheckOutStartedEvent extends EventBase {
  readonly name: 'connectionCheckOutStarted';
  readonly address: string;
}
/** Published when a check-out fails (pool closed, timeout, connection error). */
export interface ConnectionCheckOutFailedEvent extends EventBase {
  readonly name: 'connectionCheckOutFailed';
  readonly address: string;
  readonly reason: ConnectionCheckOutFailedReason;
  readonly error?: Error;
  readonly durationMS: number;
}
/** Published when an operation got a connection. */
export interface ConnectionCheckedOutEvent extends EventBase {
  readonly name: 'connectionCheckedOut';
  readonly address: string;
  readonly connectionId: number;
  readonly durationMS: number;
}
/** Published when a connection returns to the pool. */
export interface ConnectionCheckedInEvent extends EventBase {
  readonly name: 'connectionCheckedIn';
  readonly address: string;
  readonly connectionId: number;
  /** Load-balanced mode: what held the connection until now, when it was pinned. */
  readonly pinnedTo?: ConnectionPinKind;
}
/** What a connection is pinned to in load-balanced mode. */
export type ConnectionPinKind = 'cursor' | 'transaction';
/** Connections of one pool in use, by what holds them. */
export interface ConnectionsInUse {
  readonly cursor: number;
  readonly transaction: number;
  readonly other: number;
}
/**
 * Load-balanced mode (load-balancers spec, "Connection Pooling"): a checked-out connection is now
 * pinned to a cursor or a transaction until it is checked in; `inUse` counts the pool's connections
 * in use by what holds them, this one included.
 */
export interface ConnectionPinnedEvent extends EventBase {
  readonly name: 'connectionPinned';
  readonly address: string;
  readonly connectionId: number;
  readonly pinnedTo: ConnectionPinKind;
  readonly inUse: ConnectionsInUse;
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
  /** The driver's id of the operation the command belongs to (its retries share it). */
  readonly operationId?: number;
}
/** Published when a command is sent (with `monitorCommands`); sensitive commands are redacted. */
export interface CommandStartedEvent extends CommandEventBase {
  readonly name: 'commandStarted';
  readonly command: Document;
}
/** Published when a command reply with `ok: 1` arrives. */
export interface CommandSucceededEvent extends CommandEventBase {
  readonly name: 'commandSucceeded';
  readonly duration: number;
  readonly reply: Document;
}
/** Published when a command fails (server error or network error). */
export interface CommandFailedEvent extends CommandEventBase {
  readonly name: 'commandFailed';
  readonly duration: number;
  readonly failure: Error;
}

// --- Server selection (server-selection, "Logging"): the spec defines log messages only; the
// driver publishes them as events too, so the logger is one more subscriber of the bus.
interface ServerSelectionEventBase extends EventBase {
  readonly topologyId: number;
  /** The command (or driver step, e.g. `connect`) a server is selected for. */
  readonly operation: string;
  readonly operationId?: number;
  /** The read preference selected by; undefined for a write (a writable server). */
  readonly readPreference?: unknown;
  /** `read` or `write`. */
  readonly kind: 'read' | 'write';
  /** The topology description when the event was published. */
  readonly topologyDescription: unknown;
}
/** Published when an operation starts selecting a server. */
export interface ServerSelectionStartedEvent extends ServerSelectionEventBase {
  readonly name: 'serverSelectionStarted';
}
/** Published when a server was selected. */
export interface ServerSelectionSucceededEvent extends ServerSelectionEventBase {
  readonly name: 'serverSelectionSucceeded';
  readonly address: string;
}
/** Published when selection failed (timed out, incompatible topology, closed client). */
export interface ServerSelectionFailedEvent extends ServerSelectionEventBase {
  readonly name: 'serverSelectionFailed';
  readonly failure: Error;
}
/** Published once per selection that found no suitable server at first and waits. */
export interface WaitingForSuitableServerEvent extends ServerSelectionEventBase {
  readonly name: 'waitingForSuitableServer';
  readonly remainingTimeMS: number;
}

/** Topology and server events (SDAM monitoring). */
export type SdamEvent =
  | TopologyOpeningEvent
  | TopologyClosedEvent
  | TopologyDescriptionChangedEvent
  | ServerOpeningEvent
  | ServerClosedEvent
  | ServerDescriptionChangedEvent;
/** Heartbeat events of the server monitors. */
export type HeartbeatEvent =
  | ServerHeartbeatStartedEvent
  | ServerHeartbeatSucceededEvent
  | ServerHeartbeatFailedEvent;
/** Connection pool events (CMAP). */
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
  | ConnectionCheckedInEvent
  | ConnectionPinnedEvent;
/** Command monitoring events. */
export type CommandEvent = CommandStartedEvent | CommandSucceededEvent | CommandFailedEvent;

/** Server selection events (what the server-selection log messages say). */
export type ServerSelectionEvent =
  | ServerSelectionStartedEvent
  | ServerSelectionSucceededEvent
  | ServerSelectionFailedEvent
  | WaitingForSuitableServerEvent;

/** Every event on `client.events$`, discriminated by `name`. */
export type MongoEvent = SdamEvent | HeartbeatEvent | CmapEvent | CommandEvent | ServerSelectionEvent;
/** The `name` of every event type. */
export type MongoEventName = MongoEvent['name'];
/** The event type for a given name: `EventOf<'commandStarted'>`. */
export type EventOf<N extends MongoEventName> = Extract<MongoEvent, { name: N }>;
/** What emitters pass: the bus stamps `time`. */
export type EventInit<E extends MongoEvent = MongoEvent> = E extends MongoEvent ? Omit<E, 'time'> : never;
