// server-discovery-and-monitoring-logging-and-monitoring, "Log Messages": debug, component
// `topology`. No message for serverDescriptionChanged: the spec leaves it out on purpose.
import type {
  ServerHeartbeatFailedEvent,
  ServerHeartbeatStartedEvent,
  ServerHeartbeatSucceededEvent,
} from '../types.js';
import { addressFields, documentText, errorData, topologyText } from './fields.js';
import { defined, type LogData, type MessageTable } from './message-table.js';

type HeartbeatEvent =
  | ServerHeartbeatStartedEvent
  | ServerHeartbeatSucceededEvent
  | ServerHeartbeatFailedEvent;

function heartbeat(message: string, e: HeartbeatEvent): LogData {
  return defined({
    message,
    topologyId: e.topologyId,
    ...addressFields(e.connectionId),
    driverConnectionId: e.driverConnectionId,
    serverConnectionId: e.serverConnectionId,
    awaited: e.awaited,
  });
}

export const TOPOLOGY_MESSAGES: MessageTable = {
  topologyOpening: {
    component: 'topology',
    severity: 'debug',
    build: (e) => ({ message: 'Starting topology monitoring', topologyId: e.topologyId }),
  },
  topologyClosed: {
    component: 'topology',
    severity: 'debug',
    build: (e) => ({ message: 'Stopped topology monitoring', topologyId: e.topologyId }),
  },
  serverOpening: {
    component: 'topology',
    severity: 'debug',
    build: (e) => ({
      message: 'Starting server monitoring',
      topologyId: e.topologyId,
      ...addressFields(e.address),
    }),
  },
  serverClosed: {
    component: 'topology',
    severity: 'debug',
    build: (e) => ({
      message: 'Stopped server monitoring',
      topologyId: e.topologyId,
      ...addressFields(e.address),
    }),
  },
  topologyDescriptionChanged: {
    component: 'topology',
    severity: 'debug',
    build: (e, max) => ({
      message: 'Topology description changed',
      topologyId: e.topologyId,
      previousDescription: topologyText(e.previousDescription, max),
      newDescription: topologyText(e.newDescription, max),
    }),
  },
  serverHeartbeatStarted: {
    component: 'topology',
    severity: 'debug',
    build: (e) => heartbeat('Server heartbeat started', e),
  },
  serverHeartbeatSucceeded: {
    component: 'topology',
    severity: 'debug',
    build: (e, max) => ({
      ...heartbeat('Server heartbeat succeeded', e),
      durationMS: e.duration,
      reply: documentText(e.reply, max),
    }),
  },
  serverHeartbeatFailed: {
    component: 'topology',
    severity: 'debug',
    build: (e, max) => ({
      ...heartbeat('Server heartbeat failed', e),
      durationMS: e.duration,
      failure: errorData(e.failure, max),
    }),
  },
};
