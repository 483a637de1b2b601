// Where log messages are written (logging spec, "Configurable Log Destination"): stderr, stdout,
// a file appended to, or the user's writable. Nothing here throws at the caller.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Log } from '../../log-options.js';
import type { LogDestination } from './config.js';

/** Receives each message; `close` releases what it holds (a file), reopened by the next write. */
export interface LogSink {
  write(log: Log): void;
  close(): void;
}

/** One message as one line of JSON (the time as ISO 8601). */
export function formatLine(log: Log): string {
  return `${JSON.stringify({ ...log, t: log.t.toISOString() })}\n`;
}

/** The sink of a destination, and what went wrong choosing it (an unwritable file: stderr then). */
export function openSink(destination: LogDestination): { sink: LogSink; warning?: string } {
  switch (destination.kind) {
    case 'stderr':
      return { sink: streamSink(process.stderr) };
    case 'stdout':
      return { sink: streamSink(process.stdout) };
    case 'writable':
      return { sink: writableSink(destination.writable.write.bind(destination.writable)) };
    case 'file': {
      try {
        closeSync(openSync(destination.path, 'a'));
      } catch (e) {
        return {
          sink: streamSink(process.stderr),
          warning: `MONGODB_LOG_PATH ${destination.path} cannot be written (${(e as Error).message}); logging to stderr`,
        };
      }
      return { sink: fileSink(destination.path) };
    }
  }
}

function streamSink(stream: NodeJS.WritableStream): LogSink {
  return { write: (log) => stream.write(formatLine(log)), close() {} };
}

/** A file opened for appending on the first write after each close. */
function fileSink(path: string): LogSink {
  let fd: number | undefined;
  return {
    write(log) {
      try {
        fd ??= openSync(path, 'a');
        writeSync(fd, formatLine(log));
      } catch (e) {
        reportFailure(e);
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** The user's writable: a throw or a rejected promise is reported, never passed to the driver. */
function writableSink(write: (log: Log) => unknown): LogSink {
  return {
    write(log) {
      try {
        const result = write(log);
        if (result !== null && typeof (result as Promise<unknown>)?.then === 'function')
          (result as Promise<unknown>).then(undefined, reportFailure);
      } catch (e) {
        reportFailure(e);
      }
    },
    close() {},
  };
}

function reportFailure(e: unknown): void {
  process.emitWarning(`mongorx: writing a log message failed: ${(e as Error)?.message ?? String(e)}`, {
    code: 'MONGORX_LOG',
  });
}
