import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Type } from '@google/genai';
import { emptyUsage, GeminiClient, geminiClient, runWithFallback } from '../../src/lib/server/ai/gemini';
import { BACKENDS, TEST_REDIS_URL } from '../helpers/env';
import { startFakeGemini, type FakeGemini } from '../helpers/gemini';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/**
 * The one Gemini client (issue 7) against a local server speaking the Gemini REST API: a valid
 * structured answer, an invalid JSON answer (asked once more, then the heuristic), 429 then
 * success, 5xx with exponential backoff, a timeout (the heuristic at once), no key, the budget.
 * Backoff and timeout are shortened through GEMINI_RETRY_BASE_MS and GEMINI_TIMEOUT_MS.
 */

const answerSchema = z.object({ verdict: z.enum(['yes', 'no']), reason: z.string().min(1) });
const request = {
	system: 'Answer yes or no with a reason.',
	prompt: 'Is Go a programming language?',
	responseSchema: {
		type: Type.OBJECT,
		properties: { verdict: { type: Type.STRING, enum: ['yes', 'no'] }, reason: { type: Type.STRING } },
		required: ['verdict', 'reason']
	},
	schema: answerSchema
};

describe.each(BACKENDS)('Gemini client on %s', (backend) => {
	let fake: FakeGemini;
	let test: TestRuntime;
	const RETRY_BASE_MS = 60;

	beforeAll(async () => {
		fake = await startFakeGemini();
		test = await createTestRuntime({
			backend,
			// On Postgres the per-minute budget is counted in Redis, as in a distributed deployment.
			redis: backend === 'postgres' && Boolean(TEST_REDIS_URL),
			env: {
				GEMINI_API_KEY: 'test-gemini-key-123',
				GEMINI_BASE_URL: fake.url,
				GEMINI_MODEL: 'gemini-test-model',
				GEMINI_RETRY_BASE_MS: String(RETRY_BASE_MS),
				GEMINI_TIMEOUT_MS: '700'
			}
		});
	});

	afterAll(async () => {
		await test?.close();
		await fake?.close();
	});

	afterEach(() => {
		fake.requests.length = 0;
		fake.script.length = 0;
		fake.fallback = () => ({ status: 500 });
	});

	async function client(): Promise<GeminiClient> {
		const c = await geminiClient(test.rt);
		expect(c).not.toBeNull();
		return c!;
	}

	const heuristic = () => ({ verdict: 'yes' as const, reason: 'heuristic' });

	it('sends a structured-output request to generateContent and validates the answer', async () => {
		fake.script.push({ json: { verdict: 'yes', reason: 'Go is a language' } });
		const usage = emptyUsage();
		const value = await (await client()).generateJson(request, { waitForBudget: false, usage });
		expect(value).toEqual({ verdict: 'yes', reason: 'Go is a language' });
		expect(fake.requests).toHaveLength(1);
		const [sent] = fake.requests;
		expect(sent.model).toBe('gemini-test-model');
		expect(sent.apiKey).toBe('test-gemini-key-123');
		expect(sent.prompt).toBe('Is Go a programming language?');
		expect(sent.body.systemInstruction?.parts?.[0]?.text).toBe('Answer yes or no with a reason.');
		expect(sent.body.generationConfig?.responseMimeType).toBe('application/json');
		expect(sent.body.generationConfig?.responseSchema).toMatchObject({
			type: 'OBJECT',
			required: ['verdict', 'reason']
		});
		expect(usage.calls).toBe(1);
		expect(usage.promptTokens).toBe(420);
		expect(usage.outputTokens).toBeGreaterThan(0);
		expect(usage.totalTokens).toBe(usage.promptTokens + usage.outputTokens);
	});

	it('asks once more after an invalid JSON answer, and uses the second answer', async () => {
		fake.script.push({ text: 'Sure! Here is the JSON: {verdict: yes' }, { json: { verdict: 'no', reason: 'second' } });
		const outcome = await runWithFallback(test.rt, {
			feature: 'test',
			waitForBudget: false,
			gemini: (c, options) => c.generateJson(request, options),
			heuristic
		});
		expect(outcome).toMatchObject({ source: 'gemini', model: 'gemini-test-model', value: { verdict: 'no' } });
		expect(outcome.usage.calls).toBe(2);
		expect(fake.requests).toHaveLength(2);
	});

	it('falls back to the heuristic after two invalid answers (not JSON, then the wrong shape)', async () => {
		fake.script.push({ text: 'I think the answer is yes.' }, { json: { verdict: 'maybe', reason: '' } });
		const outcome = await runWithFallback(test.rt, {
			feature: 'test',
			waitForBudget: false,
			gemini: (c, options) => c.generateJson(request, options),
			heuristic
		});
		expect(outcome).toMatchObject({
			source: 'heuristic',
			model: null,
			value: { reason: 'heuristic' },
			fallbackKind: 'invalid_answer'
		});
		expect(outcome.fallbackReason).toMatch(/no valid answer twice/);
		// retried once, not more
		expect(fake.requests).toHaveLength(2);
	});

	it('waits and retries after a 429, then uses the answer', async () => {
		fake.script.push({ status: 429 }, { json: { verdict: 'yes', reason: 'after 429' } });
		const outcome = await runWithFallback(test.rt, {
			feature: 'test',
			waitForBudget: true,
			gemini: (c, options) => c.generateJson(request, options),
			heuristic
		});
		expect(outcome).toMatchObject({ source: 'gemini', value: { reason: 'after 429' } });
		expect(fake.requests).toHaveLength(2);
		expect(fake.requests[1].at - fake.requests[0].at).toBeGreaterThanOrEqual(RETRY_BASE_MS - 5);
	});

	it('backs off exponentially on 5xx (1, 2, 4, 8 × base), then falls back after four retries', async () => {
		fake.fallback = () => ({ status: 503 });
		const outcome = await runWithFallback(test.rt, {
			feature: 'test',
			waitForBudget: true,
			gemini: (c, options) => c.generateJson(request, options),
			heuristic
		});
		expect(outcome).toMatchObject({ source: 'heuristic', fallbackKind: 'server_error' });
		expect(fake.requests).toHaveLength(5);
		const gaps = fake.requests.slice(1).map((r, i) => r.at - fake.requests[i].at);
		gaps.forEach((gap, i) => expect(gap, `gap ${i}`).toBeGreaterThanOrEqual(RETRY_BASE_MS * 2 ** i - 5));
		// a 400 is not retried at all
		fake.requests.length = 0;
		fake.fallback = () => ({ status: 400 });
		const refused = await runWithFallback(test.rt, {
			feature: 'test',
			waitForBudget: true,
			gemini: (c, options) => c.generateJson(request, options),
			heuristic
		});
		expect(refused).toMatchObject({ source: 'heuristic', fallbackKind: 'refused' });
		expect(fake.requests).toHaveLength(1);
	});

	it('gives up at the timeout and answers with the heuristic (no retry of a timed-out call)', async () => {
		fake.script.push({ hang: true });
		const started = Date.now();
		const outcome = await runWithFallback(test.rt, {
			feature: 'test',
			waitForBudget: false,
			gemini: (c, options) => c.generateJson(request, options),
			heuristic
		});
		const took = Date.now() - started;
		expect(outcome).toMatchObject({ source: 'heuristic', fallbackKind: 'timeout', value: { reason: 'heuristic' } });
		expect(took).toBeGreaterThanOrEqual(650);
		expect(took).toBeLessThan(10_000);
		expect(fake.requests).toHaveLength(1);
	});

	it('an answer that comes too late is a timeout as well', async () => {
		fake.script.push({ json: { verdict: 'yes', reason: 'late' }, delayMs: 2000 });
		const outcome = await runWithFallback(test.rt, {
			feature: 'test',
			waitForBudget: false,
			gemini: (c, options) => c.generateJson(request, options),
			heuristic
		});
		expect(outcome).toMatchObject({ source: 'heuristic', fallbackKind: 'timeout' });
	});
});

describe('Gemini client without a key, and its per-minute budget', () => {
	let fake: FakeGemini;
	let noKey: TestRuntime;
	let budgeted: TestRuntime;

	beforeAll(async () => {
		fake = await startFakeGemini(() => ({ json: { verdict: 'yes', reason: 'ok' } }));
		noKey = await createTestRuntime({ backend: 'pglite', env: { GEMINI_BASE_URL: fake.url } });
		budgeted = await createTestRuntime({
			backend: 'pglite',
			env: { GEMINI_API_KEY: 'k', GEMINI_BASE_URL: fake.url, GEMINI_REQUESTS_PER_MINUTE: '2' }
		});
	});

	afterAll(async () => {
		await noKey?.close();
		await budgeted?.close();
		await fake?.close();
	});

	it('without GEMINI_API_KEY every feature answers with its heuristic and calls nobody', async () => {
		expect(await geminiClient(noKey.rt)).toBeNull();
		const outcome = await runWithFallback(noKey.rt, {
			feature: 'test',
			waitForBudget: false,
			gemini: (c, options) => c.generateJson(request, options),
			heuristic: () => ({ verdict: 'no' as const, reason: 'no key' })
		});
		expect(outcome).toMatchObject({ source: 'heuristic', fallbackKind: 'no_api_key', value: { reason: 'no key' } });
		expect(fake.requests).toHaveLength(0);
	});

	it('an interactive call over the per-minute budget answers with the heuristic at once', async () => {
		// Three calls in one minute with a budget of two (repeated if a minute boundary fell between).
		for (let tries = 0; tries < 3; tries++) {
			fake.requests.length = 0;
			const minute = Math.floor(Date.now() / 60_000);
			const outcomes = [];
			for (let i = 0; i < 3; i++) {
				outcomes.push(
					await runWithFallback(budgeted.rt, {
						feature: 'test',
						waitForBudget: false,
						gemini: (c, options) => c.generateJson(request, options),
						heuristic: () => ({ verdict: 'no' as const, reason: 'budget' })
					})
				);
			}
			if (Math.floor(Date.now() / 60_000) !== minute) continue;
			const kinds = outcomes.map((o) => o.fallbackKind);
			// Earlier tries in this minute may already have used the budget; the third call never gets one.
			expect(kinds[2]).toBe('budget');
			expect(outcomes[2].source).toBe('heuristic');
			expect(fake.requests.length).toBeLessThanOrEqual(2);
			return;
		}
		throw new Error('three minute boundaries in a row');
	});
});
