// connection-monitoring-and-pooling, "Connection Pool Logging": debug, component `connection`.
import type { ConnectionCheckOutFailedReason, ConnectionClosedReason } from '../types.js';
import { addressFields, errorData, serviceIdText } from './fields.js';
import { defined, type MessageTable } from './message-table.js';

/** The reason strings the spec requires. */
const CLOSED_REASONS: Readonly<Record<ConnectionClosedReason, string>> = {
  stale: 'Connection became stale because the pool was cleared',
  idle: 'Connection has been available but unused for longer than the configured max idle time',
  error: 'An error occurred while using the connection',
  poolClosed: 'Connection pool was closed',
};
const CHECK_OUT_FAILED_REASONS: Readonly<Record<ConnectionCheckOutFailedReason, string>> = {
  timeout: 'Wait queue timeout elapsed without a connection becoming available',
  connectionError: 'An error occurred while trying to establish a new connection',
  poolClosed: 'Connection pool was closed',
};

export const CONNECTION_MESSAGES: MessageTable = {
  connectionPoolCreated: {
    component: 'connection',
    severity: 'debug',
    build: (e) => ({
      message: 'Connection pool created',
      ...addressFields(e.address),
      maxIdleTimeMS: e.options.maxIdleTimeMS,
      minPoolSize: e.options.minPoolSize,
      maxPoolSize: e.options.maxPoolSize,
      maxConnecting: e.options.maxConnecting,
      waitQueueTimeoutMS: e.options.waitQueueTimeoutMS,
    }),
  },
  connectionPoolReady: {
    component: 'connection',
    severity: 'debug',
    build: (e) => ({ message: 'Connection pool ready', ...addressFields(e.address) }),
  },
  connectionPoolCleared: {
    component: 'connection',
    severity: 'debug',
    build: (e) =>
      defined({
        message: 'Connection pool cleared',
        ...addressFields(e.address),
        serviceId: serviceIdText(e.serviceId),
      }),
  },
  connectionPoolClosed: {
    component: 'connection',
    severity: 'debug',
    build: (e) => ({ message: 'Connection pool closed', ...addressFields(e.address) }),
  },
  connectionCreated: {
    component: 'connection',
    severity: 'debug',
    build: (e) => ({
      message: 'Connection created',
      ...addressFields(e.address),
      driverConnectionId: e.connectionId,
    }),
  },
  connectionReady: {
    component: 'connection',
    severity: 'debug',
    build: (e) => ({
      message: 'Connection ready',
      ...addressFields(e.address),
      driverConnectionId: e.connectionId,
      durationMS: e.durationMS,
    }),
  },
  connectionClosed: {
    component: 'connection',
    severity: 'debug',
    build: (e, max) =>
      defined({
        message: 'Connection closed',
        ...addressFields(e.address),
        driverConnectionId: e.connectionId,
        reason: CLOSED_REASONS[e.reason],
        error: e.reason === 'error' && e.error ? errorData(e.error, max) : undefined,
      }),
  },
  connectionCheckOutStarted: {
    component: 'connection',
    severity: 'debug',
    build: (e) => ({ message: 'Connection checkout started', ...addressFields(e.address) }),
  },
  connectionCheckOutFailed: {
    component: 'connection',
    severity: 'debug',
    build: (e, max) =>
      defined({
        message: 'Connection checkout failed',
        ...addressFields(e.address),
        reason: CHECK_OUT_FAILED_REASONS[e.reason],
        error: e.reason === 'connectionError' && e.error ? errorData(e.error, max) : undefined,
        durationMS: e.durationMS,
      }),
  },
  connectionCheckedOut: {
    component: 'connection',
    severity: 'debug',
    build: (e) => ({
      message: 'Connection checked out',
      ...addressFields(e.address),
      driverConnectionId: e.connectionId,
      durationMS: e.durationMS,
    }),
  },
  connectionCheckedIn: {
    component: 'connection',
    severity: 'debug',
    build: (e) => ({
      message: 'Connection checked in',
      ...addressFields(e.address),
      driverConnectionId: e.connectionId,
    }),
  },
};
