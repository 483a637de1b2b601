// server-selection, "Logging": component `serverSelection`; debug, except the wait (info).
import type { ServerSelectionEvent } from '../types.js';
import { addressFields, errorData, selectorText, topologyText } from './fields.js';
import { defined, type LogData, type MessageTable } from './message-table.js';

function common(message: string, e: ServerSelectionEvent, max: number): LogData {
  return defined({
    message,
    selector: selectorText(e.kind, e.readPreference, max),
    operationId: e.operationId,
    operation: e.operation,
    topologyDescription: topologyText(e.topologyDescription, max),
  });
}

export const SELECTION_MESSAGES: MessageTable = {
  serverSelectionStarted: {
    component: 'serverSelection',
    severity: 'debug',
    build: (e, max) => common('Server selection started', e, max),
  },
  serverSelectionSucceeded: {
    component: 'serverSelection',
    severity: 'debug',
    build: (e, max) => ({ ...common('Server selection succeeded', e, max), ...addressFields(e.address) }),
  },
  serverSelectionFailed: {
    component: 'serverSelection',
    severity: 'debug',
    build: (e, max) => ({ ...common('Server selection failed', e, max), failure: errorData(e.failure, max) }),
  },
  waitingForSuitableServer: {
    component: 'serverSelection',
    severity: 'info',
    build: (e, max) => ({
      ...common('Waiting for suitable server to become available', e, max),
      remainingTimeMS: e.remainingTimeMS,
    }),
  },
};
