import { z } from 'zod';

/** Which part of the product a process runs. `embedded` is everything in one process. */
export type ProcessRole = 'embedded' | 'web' | 'sync' | 'worker';

/** An unset variable and an empty one (`FOO=` in a copied .env file) mean the same: use the default. */
const blankAsUnset = (value: unknown) =>
	typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value;

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUnset, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
	z.preprocess((v) => blankAsUnset(v) ?? fallback, schema);

const integer = (min: number, max: number) =>
	z.coerce
		.number({ error: 'must be a whole number' })
		.int({ error: 'must be a whole number' })
		.min(min, { error: `must be at least ${min}` })
		.max(max, { error: `must be at most ${max}` });

const urlWithProtocols = (protocols: string[]) =>
	optional(
		z.string().refine(
			(v) => {
				try {
					return protocols.includes(new URL(v).protocol);
				} catch {
					return false;
				}
			},
			{ message: `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}` }
		)
	);

const secret = (minLength: number, hint: string) =>
	optional(z.string().min(minLength, { error: `must be at least ${minLength} characters (${hint})` }));

/** Every environment variable the product reads, validated in one place. */
export const configSchema = z.object({
	PORT: optional(integer(0, 65535)),
	HOST: withDefault(z.string(), '0.0.0.0'),
	ORIGIN: urlWithProtocols(['http:', 'https:']),
	DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']),
	REDIS_URL: urlWithProtocols(['redis:', 'rediss:']),
	DATA_DIR: withDefault(z.string(), './data'),
	SECRET_KEY: secret(32, 'for example: openssl rand -hex 32'),
	GEMINI_API_KEY: optional(z.string()),
	GEMINI_BASE_URL: urlWithProtocols(['http:', 'https:']),
	/** The Gemini model every AI feature uses (an admin can choose another in the settings). */
	GEMINI_MODEL: withDefault(
		z.string().regex(/^[A-Za-z0-9._-]{1,80}$/, 'must be a model name such as gemini-2.5-flash'),
		'gemini-2.5-flash'
	),
	/** How long one Gemini call may take before the feature falls back to its heuristic. */
	GEMINI_TIMEOUT_MS: withDefault(integer(100, 300_000), 30_000),
	/** First wait before retrying a 429/5xx answer; then doubled (2, 4, 8, 16 s by default). */
	GEMINI_RETRY_BASE_MS: withDefault(integer(0, 60_000), 2000),
	/** Gemini calls per minute across all processes (the budget; jobs wait, the assistant degrades). */
	GEMINI_REQUESTS_PER_MINUTE: withDefault(integer(1, 100_000), 60),
	GOOGLE_CSE_KEY: optional(z.string()),
	GOOGLE_CSE_CX: optional(z.string()),
	/** The Custom Search JSON API endpoint (tests point it at a local server). */
	GOOGLE_CSE_BASE_URL: withDefault(
		z
			.string()
			.refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: 'must be a URL starting with http:// or https://' }),
		'https://www.googleapis.com/customsearch/v1'
	),
	/** Custom Search queries per day (Google's free tier is 100). */
	GOOGLE_CSE_DAILY_QUOTA: withDefault(integer(1, 1_000_000), 100),
	/** Pause between two page loads of a SmartRecruiters import (be a polite visitor). */
	SMARTRECRUITERS_DELAY_MS: withDefault(integer(0, 120_000), 2000),
	SMTP_URL: urlWithProtocols(['smtp:', 'smtps:']),
	LOG_LEVEL: withDefault(
		z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
			error: 'must be one of fatal, error, warn, info, debug, trace, silent'
		}),
		'info'
	),
	NODE_ENV: withDefault(z.string(), 'production'),
	/** Prefix of every Redis key and channel (several deployments or test runs can share a Redis). */
	REDIS_PREFIX: withDefault(z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1–40 letters, digits, _ or -'), 'hh'),
	/** Approvers are reminded (once a day) of approvals waiting longer than this. */
	APPROVAL_REMINDER_HOURS: withDefault(integer(1, 24 * 30), 48),
	/** Country used to read phone numbers written without a country code (ISO 3166-1 alpha-2). */
	DEFAULT_COUNTRY: withDefault(
		z
			.string()
			.toUpperCase()
			.regex(/^[A-Z]{2}$/, 'must be a 2-letter country code, e.g. DE'),
		'US'
	),
	/** Chromium used to render PDFs (offer letters) and to drive sourcing sites. */
	CHROMIUM_PATH: withDefault(z.string(), '/usr/bin/chromium'),
	/** The employer's name on the careers page, in JSON-LD and in the job feed. */
	ORG_NAME: withDefault(z.string().max(200, { error: 'must be at most 200 characters' }), 'Hiring Hare'),
	/** Requests per minute per client (user, else address) on the API; 0 turns the limit off. */
	RATE_LIMIT_PER_MINUTE: withDefault(integer(0, 1_000_000), 1200),
	/** Trust X-Forwarded-For only when a proxy we configured sets it. */
	TRUST_PROXY: withDefault(
		z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).transform((v) => v === 'true' || v === '1'),
		'false'
	),
	/** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` (else it is open). */
	METRICS_TOKEN: secret(16, 'a random string the Prometheus scraper sends as a Bearer token')
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config extends Omit<RawConfig, 'PORT'> {
	PORT: number;
	ORIGIN: string;
	role: ProcessRole;
	/** Postgres through `pg` when DATABASE_URL is set, otherwise PGlite under DATA_DIR. */
	databaseKind: 'postgres' | 'pglite';
	/** BullMQ + Redis when REDIS_URL is set, otherwise the in-process runner. */
	queueKind: 'bullmq' | 'inprocess';
	secureCookies: boolean;
}

const defaultPorts: Record<ProcessRole, number> = {
	embedded: 3000,
	web: 3000,
	sync: 3001,
	worker: 3002
};

/** Thrown when the environment is invalid; its message is one line naming the variable. */
export class ConfigError extends Error {
	override name = 'ConfigError';
}

/** Parses the environment; throws ConfigError with one clear line on the first bad variable. */
export function loadConfig(
	env: Record<string, string | undefined> = process.env,
	role: ProcessRole = 'embedded'
): Config {
	const result = configSchema.safeParse(env);
	if (!result.success) {
		const issue = result.error.issues[0];
		const variable = String(issue.path[0] ?? 'environment');
		const value = env[variable];
		const shown = value === undefined ? '' : ` (got "${redactIfSecret(variable, value)}")`;
		throw new ConfigError(oneLine(`Invalid configuration: ${variable} ${issue.message}${shown}`));
	}
	const raw = result.data;
	const PORT = raw.PORT ?? defaultPorts[role];
	if (role !== 'embedded') {
		// The separate processes of distributed mode share their state through Postgres and Redis,
		// and must decrypt each other's stored secrets.
		for (const [variable, why] of [
			['DATABASE_URL', 'a postgres:// URL'],
			['REDIS_URL', 'a redis:// URL'],
			['SECRET_KEY', 'the same 32+ character key in every process']
		] as const) {
			if (!raw[variable]) {
				throw new ConfigError(
					`Invalid configuration: ${variable} is required to run the ${role} process on its own (distributed mode: ${why})`
				);
			}
		}
	}
	const ORIGIN = (raw.ORIGIN ?? `http://localhost:${PORT}`).replace(/\/+$/, '');
	return {
		...raw,
		PORT,
		ORIGIN,
		role,
		databaseKind: raw.DATABASE_URL ? 'postgres' : 'pglite',
		queueKind: raw.REDIS_URL ? 'bullmq' : 'inprocess',
		secureCookies: ORIGIN.startsWith('https:')
	};
}

function redactIfSecret(variable: string, value: string): string {
	return /KEY|SECRET|PASSWORD|TOKEN|URL/.test(variable) ? '***' : value.slice(0, 60);
}

function oneLine(text: string): string {
	return text.replace(/[\r\n\t]+/g, ' ');
}
