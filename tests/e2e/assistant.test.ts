import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';
import { functionResponsesOf, startFakeGemini, type FakeGemini, type GeminiRequest } from '../helpers/gemini';
import { createUser, PASSWORD, registerAdmin } from '../helpers/org';

const RECRUITER = 'Grace Hopper';
const ANSWER = 'Jane Kowalski is a Staff Engineer at Initech; she is in the pipeline of Backend Engineer.';

/**
 * The fake model: first asks to search for the person named in the question, then answers in
 * small chunks, slowly — so the page must show the answer growing while it streams.
 */
function model(request: GeminiRequest) {
	if (functionResponsesOf(request).length === 0) {
		return { functionCalls: [{ name: 'search_candidates', args: { name: 'Jane Kowalski' } }] };
	}
	return { text: ANSWER, chunkSize: 6, chunkDelayMs: 120 };
}

describe('the assistant panel in the app shell', () => {
	let fake: FakeGemini;
	let app: RunningProcess;
	let browser: BrowserSession;
	let candidateId: string;
	let viewerEmail: string;

	beforeAll(async () => {
		fake = await startFakeGemini(model);
		app = await startAppForBrowser({
			GEMINI_API_KEY: 'fake-key-for-the-assistant',
			GEMINI_BASE_URL: fake.url,
			GEMINI_RETRY_BASE_MS: '50',
			GEMINI_TIMEOUT_MS: '10000'
		});
		const admin = await registerAdmin(app.url);
		const recruiter = await createUser(app.url, admin.api, 'recruiter', RECRUITER);
		const created = await recruiter.api.post('/candidates', {
			name: 'Jane Kowalski',
			emails: ['jane.k@example.com'],
			current_title: 'Staff Engineer',
			current_company: 'Initech'
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		candidateId = created.body.data.id;
		viewerEmail = (await createUser(app.url, admin.api, 'viewer', 'Vera Viewer')).email;
		browser = await launchBrowser({ baseURL: app.url });
		await signIn(browser.page, recruiter.email, PASSWORD);
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await fake?.close();
	});

	it('asks a question, shows the answer as it streams, then the record link and the source', async () => {
		const page = browser.page;
		await page.getByTestId('assistant-toggle-desktop').click();
		const panel = page.getByRole('region', { name: 'Assistant' });
		await panel.getByLabel('Your question').fill('Tell me about Jane Kowalski');
		await panel.getByRole('button', { name: 'Send' }).click();

		const text = panel.getByTestId('assistant-text');
		// Part of the answer is on the page before the rest has arrived.
		await expect
			.poll(async () => ((await text.count()) ? (await text.innerText()).length : 0), { timeout: 30_000, interval: 50 })
			.toBeGreaterThan(0);
		const partial = await text.innerText();
		expect(partial.length).toBeLessThan(ANSWER.length);
		expect(ANSWER.startsWith(partial)).toBe(true);
		expect(await panel.getByTestId('assistant-source').count()).toBe(0);

		await expect.poll(() => text.innerText(), { timeout: 30_000 }).toBe(ANSWER);
		await panel.getByTestId('assistant-source').waitFor({ timeout: 10_000 });
		await expect(panel.getByTestId('assistant-source').innerText()).resolves.toMatch(/^Answered by Gemini/);
		const link = panel.getByTestId('assistant-records').getByRole('link', { name: /Jane Kowalski/ });
		await expect(link.getAttribute('href')).resolves.toBe(`/candidates/${candidateId}`);
		// What the model got back from the tool: the recruiter's own search result.
		expect(JSON.stringify(functionResponsesOf(fake.requests[1]))).toContain(candidateId);

		await page.screenshot({ path: 'test-results/assistant-panel.png' });
		await link.click();
		await page.waitForURL(`**/candidates/${candidateId}`);
		// The panel is part of the shell: it stays open with the conversation across pages.
		await expect(panel.getByTestId('assistant-text').innerText()).resolves.toBe(ANSWER);
		await page.keyboard.press('Escape');
		await expect.poll(() => page.locator('#assistant-panel').count()).toBe(0);
		expect(browser.problems).toEqual([]);
	});

	it('is not offered to roles that may not use AI', async () => {
		const viewer = await launchBrowser({ baseURL: app.url });
		try {
			await signIn(viewer.page, viewerEmail, PASSWORD);
			await viewer.page.getByTestId('current-user').first().waitFor();
			expect(await viewer.page.getByTestId('assistant-toggle-desktop').count()).toBe(0);
			expect(await viewer.page.locator('#assistant-panel').count()).toBe(0);
		} finally {
			await viewer.close();
		}
	});
});
