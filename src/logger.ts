/**
 * The `logger` option of createClient, built with `createLogger(console, 'debug')`: connection and
 * subscription events at four levels, nothing by default (an app that logs nothing bundles none of
 * this). Any console-like object fits. Messages carry the event and its fields (status, attempt,
 * error code and message, the SQL text without parameter values, row counts); never a token,
 * a password or a parameter value.
 */
import { UsageError } from './errors.js';
import type { LivebindError } from './errors.js';
import type { FeedHandle, FeedSpec, RowSink } from './protocol/driver.js';
import type { ConnectionState } from './types.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Any object with these methods (`console`, pino, winston, ...); missing levels are skipped. */
export interface Logger {
  debug?(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info?(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn?(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error?(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export type Log = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void;

type FeedOpener = (spec: FeedSpec, sink: RowSink) => FeedHandle;

/** What createClient's `logger` option takes: hooks the client calls (built by `createLogger`). */
export interface ClientLogger {
  /** Each connection state. */
  readonly connection: (state: ConnectionState) => void;
  /** Wraps the driver's feed opener so every subscription is logged. */
  readonly feeds: (open: FeedOpener) => FeedOpener;
}

/** The `logger` option: events at `level` and above (default `info`) to `logger`'s methods. */
export function createLogger(logger: Logger, level: LogLevel = 'info'): ClientLogger {
  const log = createLog(logger, level);
  return { connection: logConnection(log), feeds: (open) => logFeeds(log, open) };
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

function createLog(logger: Logger, level: LogLevel): Log {
  const min = RANK[level];
  if (min === undefined) throw new UsageError(`logLevel must be one of debug, info, warn, error; got ${JSON.stringify(level)}.`, { code: 'INVALID_OPTION' });
  return (at, message, fields) => {
    if (RANK[at] < min) return;
    try {
      logger[at]?.call(logger, `livebind: ${message}`, fields);
    } catch {
      // A failing logger must not break the client.
    }
  };
}

function errorFields(error: LivebindError | undefined): Record<string, unknown> {
  return error === undefined ? {} : { code: error.code, error: error.message };
}

/** Logs connection status changes: open at info, reconnecting at warn, a stop with an error at error. */
function logConnection(log: Log): (state: ConnectionState) => void {
  let previous: ConnectionState['status'] | undefined;
  return (state) => {
    if (state.status === previous) return;
    previous = state.status;
    const fields = { status: state.status, attempt: state.attempt, ...errorFields(state.lastError) };
    if (state.status === 'open') log('info', 'connection open', fields);
    else if (state.status === 'reconnecting') log('warn', 'connection lost; reconnecting', fields);
    else if (state.status === 'closed' && state.lastError !== undefined) log('error', 'connection stopped', fields);
    else log('debug', `connection ${state.status}`, fields);
  };
}

/** Wraps a feed opener so each subscription logs subscribe, ready, reconnecting, error and unsubscribe. */
function logFeeds(log: Log, open: FeedOpener): FeedOpener {
  return (spec, sink) => {
    const what = spec.load ? 'liveRows' : 'changes';
    const base = { sql: spec.text };
    let rows = 0;
    log('debug', `${what} subscribe`, base);
    const handle = open(spec, {
      onColumns: (columns, kind, total) => sink.onColumns(columns, kind, total),
      onPage: (page, last, kind, cursors) => {
        rows += page.length;
        if (last) {
          log('debug', `${what} loaded`, { ...base, kind, rows });
          rows = 0;
        }
        sink.onPage(page, last, kind, cursors);
      },
      onReady: () => {
        log('debug', `${what} ready`, base);
        sink.onReady();
      },
      onChange: (change) => sink.onChange(change),
      onReconnecting: () => {
        log('debug', `${what} reconnecting`, base);
        sink.onReconnecting();
      },
      onError: (error) => {
        log('warn', `${what} failed`, { ...base, ...errorFields(error) });
        sink.onError(error);
      },
    });
    return {
      ...(handle.id === undefined ? {} : { id: handle.id }),
      ...(handle.cursor === undefined ? {} : { cursor: () => handle.cursor!() }),
      close: () => {
        log('debug', `${what} unsubscribe`, base);
        handle.close();
      },
    };
  };
}
