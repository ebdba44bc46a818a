import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiClient, type RunningProcess } from '../helpers/app';
import { focusEditorAtEnd, launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';

const USER = { name: 'Katherine Johnson', email: 'katherine@example.com', password: 'trajectories-for-apollo' };

/** Waits until the notes editor on `page` is connected and synced with the server. */
async function waitUntilLive(page: Page) {
	await page.locator('[data-testid="collab-status"][data-synced="true"]').getByText('Live').waitFor();
}

const editorOf = (page: Page) => page.getByTestId('collab-editor');

/** The document's paragraphs, one a line, without the other people's caret widgets. */
function documentText(page: Page): Promise<string> {
	return editorOf(page).evaluate((element) => {
		const copy = element.cloneNode(true) as HTMLElement;
		copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
		return Array.from(copy.querySelectorAll('p'), (p) => p.textContent ?? '').join('\n');
	});
}

const FIRST_LINE = 'Shortlist from the first window.';
const SECOND_LINE = 'Call the references from the second.';

describe('live notes in two browsers of the same user', () => {
	let app: RunningProcess;
	let first: BrowserSession;
	let second: BrowserSession;

	beforeAll(async () => {
		app = await startAppForBrowser();
		const registered = await apiClient(app.url).post('/auth/register', USER);
		expect(registered.status).toBe(201);
		[first, second] = await Promise.all([launchBrowser({ baseURL: app.url }), launchBrowser({ baseURL: app.url })]);
		await Promise.all([first, second].map(({ page }) => signIn(page, USER.email, USER.password)));
	});

	afterAll(async () => {
		await Promise.all([first?.close(), second?.close()]);
		await app?.stop();
	});

	it("each browser sees the other's text and caret as they type", async () => {
		const a = first.page;
		const b = second.page;
		await Promise.all([waitUntilLive(a), waitUntilLive(b)]);

		await editorOf(a).click();
		await a.keyboard.type(FIRST_LINE);
		await expect.poll(() => documentText(b), { timeout: 10_000 }).toBe(FIRST_LINE);

		await focusEditorAtEnd(b, editorOf(b));
		await b.keyboard.press('Enter');
		await b.keyboard.type(SECOND_LINE);
		await expect.poll(() => documentText(a), { timeout: 10_000 }).toBe(`${FIRST_LINE}\n${SECOND_LINE}`);
		await expect(documentText(b)).resolves.toBe(`${FIRST_LINE}\n${SECOND_LINE}`);

		// Each shows the other's caret, labelled with the user's name (set by the server from the
		// session, not by the client).
		for (const page of [a, b]) {
			const caret = editorOf(page).locator('.collaboration-carets__label', { hasText: USER.name });
			await caret.waitFor({ timeout: 10_000 });
			await expect(caret.count()).resolves.toBe(1);
			await page.getByTestId('collab-peers').getByText(USER.name).waitFor({ state: 'attached' });
		}

		// The document is stored: a reload brings back both edits.
		await b.reload();
		await waitUntilLive(b);
		await expect.poll(() => documentText(b), { timeout: 10_000 }).toBe(`${FIRST_LINE}\n${SECOND_LINE}`);

		expect(first.problems).toEqual([]);
		expect(second.problems).toEqual([]);
	});
});
