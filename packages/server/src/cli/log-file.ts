/**
 * `newton start` writes its pino logs to stdout and to a file (LOG_FILE,
 * default DATA_DIR/logs/newton.log), so that `newton trace` finds them for a
 * server started with `npm start` and nothing else. The file stays under
 * `maxBytes`: past it, it moves to `<file>.1` (replacing the one before) and a
 * new one starts — checked at start and every `checkMs`.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Config } from '../config.js';

export const LOG_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** Where `newton start` writes its log file, or null when LOG_FILE=off. */
export function logFilePath(config: Pick<Config, 'logFile' | 'dataDir'>): string | null {
  if (config.logFile === 'off') return null;
  return config.logFile ? path.resolve(config.logFile) : path.join(config.dataDir, 'logs', 'newton.log');
}

function tooBig(file: string, maxBytes: number): boolean {
  try {
    return statSync(file).size > maxBytes;
  } catch {
    return false;
  }
}

export interface LogFile {
  file: string;
  /** stdout and the file, for createLogger. */
  destination: pino.DestinationStream;
  close(): void;
}

/** Opens the file (creating its directory) and the stream that writes to stdout and it. */
export function openLogFile(
  file: string,
  level: pino.LevelWithSilent,
  opts: { maxBytes?: number; checkMs?: number; console?: pino.DestinationStream } = {},
): LogFile {
  const maxBytes = opts.maxBytes ?? LOG_FILE_MAX_BYTES;
  const rotate = () => {
    if (existsSync(file)) renameSync(file, `${file}.1`);
  };
  // Fail here, where `newton start` can say so, rather than in the stream's asynchronous open.
  mkdirSync(path.dirname(file), { recursive: true });
  closeSync(openSync(file, 'a'));
  if (tooBig(file, maxBytes)) rotate();
  const fileStream = pino.destination({ dest: file, append: true, mkdir: true, sync: false });
  let failed = false;
  fileStream.on('error', (err: Error) => {
    // A full disk or a removed directory must not stop the node: stdout keeps the logs.
    if (!failed)
      process.stderr.write(`newton: cannot write the log file ${file} (${err.message}); logs go to stdout\n`);
    failed = true;
  });
  const streamLevel = level === 'silent' ? 'fatal' : level;
  let closed = false;
  // A line logged after close (a bus warning while the node stops) goes to stdout only:
  // sonic-boom throws once ended, and that would end `newton start` with exit 1.
  const toFile = {
    write(line: string) {
      if (closed || failed) return;
      try {
        fileStream.write(line);
      } catch {
        failed = true;
      }
    },
  };
  const destination = pino.multistream([
    // stdout as pino writes it by default (sonic-boom on fd 1, flushed on exit).
    { level: streamLevel, stream: opts.console ?? pino.destination({ dest: 1 }) },
    { level: streamLevel, stream: toFile },
  ]);
  const timer = setInterval(() => {
    if (!tooBig(file, maxBytes)) return;
    try {
      rotate();
      fileStream.reopen();
    } catch {
      // Another node sharing the file rotated it first: keep writing where we are.
    }
  }, opts.checkMs ?? 30_000);
  timer.unref();
  return {
    file,
    destination,
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      try {
        fileStream.flushSync();
      } catch {
        // not open yet or already closed: nothing buffered to keep
      }
      fileStream.end();
    },
  };
}
