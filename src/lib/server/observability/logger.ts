import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout. Secrets are redacted wherever they appear in a log object. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
	return pino({
		level,
		base: { service: 'hiring-hare', ...base },
		timestamp: pino.stdTimeFunctions.isoTime,
		redact: {
			paths: [
				'password',
				'*.password',
				'token',
				'*.token',
				'authorization',
				'*.authorization',
				'cookie',
				'*.cookie',
				'headers.authorization',
				'headers.cookie',
				'*.apiKey',
				'*.secret'
			],
			censor: '[redacted]'
		}
	});
}
