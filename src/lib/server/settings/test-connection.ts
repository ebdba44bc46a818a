import nodemailer from 'nodemailer';
import { can } from '../../permissions';
import type { IntegrationKey } from '../../schemas/settings';
import { subjectOf, type Actor } from '../actor';
import { GeminiClient, GeminiFailure, emptyUsage } from '../ai/gemini';
import { Forbidden } from '../errors';
import type { Runtime } from '../runtime';
import { checkSmartRecruitersLogin } from '../sourcing/smartrecruiters';
import { customSearchEndpoint, reserveQuery } from '../sourcing/custom-search';
import { customSearchSettings, geminiSettings, smartRecruitersSettings, smtpSettings } from './service';

/** What "test connection" reports: a real call was made, and how it went. Never a secret. */
export interface ConnectionTest {
	integration: IntegrationKey;
	ok: boolean;
	message: string;
	latencyMs: number | null;
	/** The model answered (Gemini) or the server greeted (SMTP), when known. */
	detail: string | null;
}

const TEST_TIMEOUT_MS = 15_000;

/** Removes every configured secret from a message (error texts may echo what was sent). */
function redact(message: string, secrets: Array<string | null | undefined>): string {
	let out = message;
	for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('••••••••');
	return out.slice(0, 500);
}

function notConfigured(integration: IntegrationKey, what: string): ConnectionTest {
	return { integration, ok: false, message: `${what} is not configured yet`, latencyMs: null, detail: null };
}

async function testGemini(rt: Runtime): Promise<ConnectionTest> {
	const settings = await geminiSettings(rt);
	if (!settings.apiKey) return notConfigured('gemini', 'The Gemini API key');
	const client = new GeminiClient(rt, settings.model, settings.apiKey, settings.baseUrl);
	const started = Date.now();
	try {
		const response = await client.generate(
			[{ role: 'user', parts: [{ text: 'Reply with the single word OK.' }] }],
			{ temperature: 0, maxOutputTokens: 16 },
			{ waitForBudget: false, deadline: Date.now() + TEST_TIMEOUT_MS, usage: emptyUsage() }
		);
		const text = (response.text ?? '').trim().slice(0, 100);
		return {
			integration: 'gemini',
			ok: true,
			message: `Gemini answered with model ${settings.model}`,
			latencyMs: Date.now() - started,
			detail: text || null
		};
	} catch (err) {
		const message =
			err instanceof GeminiFailure ? err.message : err instanceof Error ? err.message : 'Gemini call failed';
		return {
			integration: 'gemini',
			ok: false,
			message: redact(message, [settings.apiKey]),
			latencyMs: Date.now() - started,
			detail: null
		};
	}
}

async function testSmtp(rt: Runtime): Promise<ConnectionTest> {
	const url = await smtpSettings(rt);
	if (!url) return notConfigured('smtp', 'The SMTP URL');
	const password = (() => {
		try {
			return decodeURIComponent(new URL(url).password);
		} catch {
			return '';
		}
	})();
	const transport = nodemailer.createTransport({
		url,
		connectionTimeout: TEST_TIMEOUT_MS,
		greetingTimeout: TEST_TIMEOUT_MS,
		socketTimeout: TEST_TIMEOUT_MS
	});
	const started = Date.now();
	try {
		await transport.verify();
		return {
			integration: 'smtp',
			ok: true,
			message: 'The SMTP server accepted the connection',
			latencyMs: Date.now() - started,
			detail: null
		};
	} catch (err) {
		return {
			integration: 'smtp',
			ok: false,
			message: redact(`The SMTP server could not be used: ${(err as Error).message}`, [url, password]),
			latencyMs: Date.now() - started,
			detail: null
		};
	} finally {
		transport.close();
	}
}

async function testCustomSearch(rt: Runtime): Promise<ConnectionTest> {
	const settings = await customSearchSettings(rt);
	if (!settings) return notConfigured('google_cse', 'The Custom Search key and cx');
	if (!(await reserveQuery(rt.db, rt.config.GOOGLE_CSE_DAILY_QUOTA))) {
		return {
			integration: 'google_cse',
			ok: false,
			message: `Today's Custom Search quota (${rt.config.GOOGLE_CSE_DAILY_QUOTA} queries) is used up; try again tomorrow`,
			latencyMs: null,
			detail: null
		};
	}
	const url = customSearchEndpoint(rt.config.GOOGLE_CSE_BASE_URL);
	url.searchParams.set('key', settings.key);
	url.searchParams.set('cx', settings.cx);
	url.searchParams.set('q', 'site:linkedin.com/in test');
	url.searchParams.set('num', '1');
	const started = Date.now();
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(TEST_TIMEOUT_MS) });
		const body = (await response.json().catch(() => null)) as {
			error?: { message?: string };
			searchInformation?: { totalResults?: string };
		} | null;
		if (!response.ok) {
			return {
				integration: 'google_cse',
				ok: false,
				message: redact(`Custom Search answered ${response.status}: ${body?.error?.message ?? 'no detail'}`, [
					settings.key
				]),
				latencyMs: Date.now() - started,
				detail: null
			};
		}
		return {
			integration: 'google_cse',
			ok: true,
			message: 'Custom Search answered (one query of the daily quota used)',
			latencyMs: Date.now() - started,
			detail: body?.searchInformation?.totalResults ? `${body.searchInformation.totalResults} results` : null
		};
	} catch (err) {
		return {
			integration: 'google_cse',
			ok: false,
			message: redact(`Custom Search could not be reached: ${(err as Error).message}`, [settings.key]),
			latencyMs: Date.now() - started,
			detail: null
		};
	}
}

async function testSmartRecruiters(rt: Runtime): Promise<ConnectionTest> {
	const settings = await smartRecruitersSettings(rt);
	if (!settings) return notConfigured('smartrecruiters', 'The SmartRecruiters address, user and password');
	const started = Date.now();
	const outcome = await checkSmartRecruitersLogin(rt, settings);
	return {
		integration: 'smartrecruiters',
		ok: outcome.ok,
		message: redact(outcome.message, [settings.password]),
		latencyMs: Date.now() - started,
		detail: null
	};
}

/**
 * "Test connection" (admins): a real call with the settings in force — a tiny Gemini prompt,
 * an SMTP handshake, one Custom Search query. Failures are reported, not thrown; no message
 * ever carries a secret.
 */
export async function testIntegration(rt: Runtime, actor: Actor, key: IntegrationKey): Promise<ConnectionTest> {
	if (!can(subjectOf(actor), 'manage', 'settings')) throw new Forbidden('Only admins manage integrations');
	let result: ConnectionTest;
	switch (key) {
		case 'gemini':
			result = await testGemini(rt);
			break;
		case 'smtp':
			result = await testSmtp(rt);
			break;
		case 'google_cse':
			result = await testCustomSearch(rt);
			break;
		case 'smartrecruiters':
			result = await testSmartRecruiters(rt);
			break;
	}
	rt.logger.info(
		{ integration: key, ok: result.ok, latencyMs: result.latencyMs, by: actor.userId },
		'integration connection tested'
	);
	return result;
}
