import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The root logger. JSON lines on stdout; secrets are redacted by path so a stray
 * `password` or session token in a logged object never reaches the log.
 * Child loggers carry `callId` / `conversationId` / `reqId` where a contact enters.
 */
export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  const settings = {
    name: options.name ?? 'hotline',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: ['password', '*.password', 'oldPassword', 'newPassword', '*.token', 'token', 'req.headers.cookie', 'req.headers.authorization', 'eslPassword', '*.eslPassword'],
      censor: '[redacted]',
    },
  };
  // destination: tests capture the log to scan it for secrets.
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that writes nothing: for unit tests and tools that run quietly. */
export const silentLogger: Logger = pino({ level: 'silent' });
