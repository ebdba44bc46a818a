import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ProcessRole } from '../../src/lib/server/config';

const SECRET = 'a-secret-key-that-is-long-enough-0123456789';
const DISTRIBUTED = {
	DATABASE_URL: 'postgres://app@db:5432/hh',
	REDIS_URL: 'redis://cache:6379',
	SECRET_KEY: SECRET
};

function configError(env: Record<string, string | undefined>, role: ProcessRole = 'embedded'): ConfigError {
	try {
		loadConfig(env, role);
	} catch (err) {
		expect(err).toBeInstanceOf(ConfigError);
		return err as ConfigError;
	}
	throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
	it('gives embedded-mode defaults for an empty environment', () => {
		const config = loadConfig({});
		expect(config).toMatchObject({
			PORT: 3000,
			HOST: '0.0.0.0',
			ORIGIN: 'http://localhost:3000',
			DATA_DIR: './data',
			LOG_LEVEL: 'info',
			REDIS_PREFIX: 'hh',
			RATE_LIMIT_PER_MINUTE: 1200,
			TRUST_PROXY: false,
			role: 'embedded',
			databaseKind: 'pglite',
			queueKind: 'inprocess',
			secureCookies: false
		});
		expect(config.DATABASE_URL).toBeUndefined();
		expect(config.METRICS_TOKEN).toBeUndefined();
	});

	it('treats empty variables (FOO= in a copied .env) as unset', () => {
		const config = loadConfig({
			PORT: '',
			DATABASE_URL: '',
			REDIS_URL: '  ',
			LOG_LEVEL: '',
			RATE_LIMIT_PER_MINUTE: '',
			TRUST_PROXY: '',
			SECRET_KEY: '',
			SMTP_URL: ''
		});
		expect(config.PORT).toBe(3000);
		expect(config.LOG_LEVEL).toBe('info');
		expect(config.RATE_LIMIT_PER_MINUTE).toBe(1200);
		expect(config.databaseKind).toBe('pglite');
		expect(config.SMTP_URL).toBeUndefined();
	});

	it('picks the default port of each process', () => {
		expect(loadConfig({ ...DISTRIBUTED }, 'web').PORT).toBe(3000);
		expect(loadConfig({ ...DISTRIBUTED }, 'sync').PORT).toBe(3001);
		expect(loadConfig({ ...DISTRIBUTED }, 'worker').PORT).toBe(3002);
		expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
	});

	it('parses the distributed-mode settings', () => {
		const config = loadConfig(
			{ ...DISTRIBUTED, ORIGIN: 'https://hire.example.com/', TRUST_PROXY: 'true', RATE_LIMIT_PER_MINUTE: '0' },
			'web'
		);
		expect(config).toMatchObject({
			databaseKind: 'postgres',
			queueKind: 'bullmq',
			ORIGIN: 'https://hire.example.com',
			secureCookies: true,
			TRUST_PROXY: true,
			RATE_LIMIT_PER_MINUTE: 0
		});
	});

	it.each([
		['PORT', 'eighty', /^Invalid configuration: PORT must be a whole number/],
		['PORT', '70000', /^Invalid configuration: PORT must be at most 65535/],
		['PORT', '3.5', /^Invalid configuration: PORT must be a whole number/],
		['ORIGIN', 'localhost:3000', /^Invalid configuration: ORIGIN must be a URL starting with http:\/\/ or https:\/\//],
		['DATABASE_URL', 'mysql://db/hh', /^Invalid configuration: DATABASE_URL must be a URL starting with postgres:/],
		['REDIS_URL', 'http://cache', /^Invalid configuration: REDIS_URL must be a URL starting with redis:/],
		['SMTP_URL', 'mail.example.com', /^Invalid configuration: SMTP_URL must be a URL starting with smtp:/],
		['GEMINI_BASE_URL', 'ftp://x', /^Invalid configuration: GEMINI_BASE_URL must be a URL/],
		['SECRET_KEY', 'short', /^Invalid configuration: SECRET_KEY must be at least 32 characters/],
		['LOG_LEVEL', 'verbose', /^Invalid configuration: LOG_LEVEL must be one of fatal, error/],
		['REDIS_PREFIX', 'has space', /^Invalid configuration: REDIS_PREFIX must be 1–40 letters/],
		['RATE_LIMIT_PER_MINUTE', '-1', /^Invalid configuration: RATE_LIMIT_PER_MINUTE must be at least 0/],
		['TRUST_PROXY', 'maybe', /^Invalid configuration: TRUST_PROXY must be true or false/],
		['METRICS_TOKEN', 'abc', /^Invalid configuration: METRICS_TOKEN must be at least 16 characters/]
	])('a bad %s (%j) stops start-up with one line naming it', (variable, value, pattern) => {
		const error = configError({ [variable]: value });
		expect(error.message).toMatch(pattern);
		expect(error.message).not.toContain('\n');
	});

	it('never prints the value of a secret or a URL (it may hold a password)', () => {
		expect(configError({ SECRET_KEY: 'hunter2' }).message).toContain('(got "***")');
		expect(configError({ DATABASE_URL: 'mysql://root:pa55@db/x' }).message).not.toContain('pa55');
		expect(configError({ METRICS_TOKEN: 'tiny' }).message).not.toContain('tiny');
		expect(configError({ LOG_LEVEL: 'loud' }).message).toContain('(got "loud")');
	});

	it('keeps the message on one line even when the value has line breaks', () => {
		const error = configError({ LOG_LEVEL: 'info\nINJECTED' });
		expect(error.message).not.toMatch(/[\r\n]/);
		expect(error.message).toMatch(/^Invalid configuration: LOG_LEVEL/);
	});

	it.each(['web', 'sync', 'worker'] as const)('the %s process needs DATABASE_URL, REDIS_URL and SECRET_KEY', (role) => {
		expect(configError({ REDIS_URL: DISTRIBUTED.REDIS_URL, SECRET_KEY: SECRET }, role).message).toBe(
			`Invalid configuration: DATABASE_URL is required to run the ${role} process on its own (distributed mode: a postgres:// URL)`
		);
		expect(configError({ DATABASE_URL: DISTRIBUTED.DATABASE_URL, SECRET_KEY: SECRET }, role).message).toMatch(
			new RegExp(`^Invalid configuration: REDIS_URL is required to run the ${role} process`)
		);
		expect(
			configError({ DATABASE_URL: DISTRIBUTED.DATABASE_URL, REDIS_URL: DISTRIBUTED.REDIS_URL }, role).message
		).toMatch(new RegExp(`^Invalid configuration: SECRET_KEY is required to run the ${role} process`));
		expect(loadConfig({ ...DISTRIBUTED }, role).role).toBe(role);
	});

	it('the embedded process needs none of them', () => {
		expect(() => loadConfig({}, 'embedded')).not.toThrow();
	});
});
