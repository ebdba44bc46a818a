import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningProcess } from '../helpers/app';
import { focusEditorAtEnd, launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';
import { createUser, eventually, PASSWORD, registerAdmin } from '../helpers/org';

const MANAGER = 'Hedy Lamarr';
const RECRUITER = 'Rosalind Franklin';
const APPROVER = 'Alan Turing';
const FIRST = 'You will own the billing platform.';
const SECOND = 'You bring five years of Go.';

const editorOf = (page: Page) => page.getByTestId('collab-editor');

/** Waits until the description editor is connected and synced. */
async function waitUntilLive(page: Page) {
	await page.locator('[data-testid="collab-status"][data-synced="true"]').getByText('Live').waitFor();
}

/** The document's paragraphs, one a line, without other people's caret widgets. */
function documentText(page: Page): Promise<string> {
	return editorOf(page).evaluate((element) => {
		const copy = element.cloneNode(true) as HTMLElement;
		copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
		return Array.from(copy.querySelectorAll('p'), (p) => p.textContent ?? '').join('\n');
	});
}

describe('the job description, written live by two people and read live by a third', () => {
	let app: RunningProcess;
	let manager: BrowserSession;
	let recruiter: BrowserSession;
	let approver: BrowserSession;
	let requirementId: string;
	let managerApi: Awaited<ReturnType<typeof createUser>>['api'];

	beforeAll(async () => {
		app = await startAppForBrowser();
		const admin = await registerAdmin(app.url);
		const hm = await createUser(app.url, admin.api, 'hiring_manager', MANAGER);
		const rec = await createUser(app.url, admin.api, 'recruiter', RECRUITER);
		const lead = await createUser(app.url, admin.api, 'approver', APPROVER);
		managerApi = hm.api;
		const department = await admin.api.post('/departments', { name: 'Platform' });
		const created = await hm.api.post('/requirements', {
			title: 'Billing Platform Engineer',
			department_id: department.body.data.id,
			headcount: 1,
			employment_type: 'full_time',
			remote_policy: 'remote'
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		requirementId = created.body.data.id;

		[manager, recruiter, approver] = await Promise.all([
			launchBrowser({ baseURL: app.url }),
			launchBrowser({ baseURL: app.url }),
			launchBrowser({ baseURL: app.url })
		]);
		await Promise.all([
			signIn(manager.page, hm.email, PASSWORD),
			signIn(recruiter.page, rec.email, PASSWORD),
			signIn(approver.page, lead.email, PASSWORD)
		]);
		await Promise.all([manager, recruiter, approver].map(({ page }) => page.goto(`/requirements/${requirementId}`)));
	});

	afterAll(async () => {
		await Promise.all([manager?.close(), recruiter?.close(), approver?.close()]);
		await app?.stop();
	});

	it('the manager and the recruiter see each other type, with named carets', async () => {
		const hm = manager.page;
		const rec = recruiter.page;
		await Promise.all([waitUntilLive(hm), waitUntilLive(rec), waitUntilLive(approver.page)]);
		// Both may write: no read-only mark, the toolbar is there.
		for (const page of [hm, rec]) {
			await expect(page.getByTestId('collab-status').innerText()).resolves.not.toContain('read-only');
			await expect(editorOf(page).getAttribute('contenteditable')).resolves.toBe('true');
		}

		await editorOf(hm).click();
		await hm.keyboard.type(FIRST);
		await expect.poll(() => documentText(rec), { timeout: 10_000 }).toBe(FIRST);

		await focusEditorAtEnd(rec, editorOf(rec));
		await rec.keyboard.press('Enter');
		await rec.keyboard.type(SECOND);
		await expect.poll(() => documentText(hm), { timeout: 10_000 }).toBe(`${FIRST}\n${SECOND}`);

		// Each sees the other's caret, labelled with the other's name, and names them as present.
		await editorOf(hm).locator('.collaboration-carets__label', { hasText: RECRUITER }).waitFor({ timeout: 10_000 });
		await editorOf(rec).locator('.collaboration-carets__label', { hasText: MANAGER }).waitFor({ timeout: 10_000 });
		await hm.getByTestId('collab-peers').getByText(RECRUITER).first().waitFor({ state: 'attached' });
		await rec.getByTestId('collab-peers').getByText(MANAGER).first().waitFor({ state: 'attached' });

		// The server renders the document into the requirement (for search and the careers page).
		const rendered = await eventually(
			async () => {
				const res = await managerApi.get(`/requirements/${requirementId}`);
				const text: string = res.body.data.description_text;
				return text.includes(FIRST) && text.includes(SECOND) ? text : null;
			},
			10_000,
			'the rendered description'
		);
		expect(rendered).toContain(SECOND);

		expect(manager.problems).toEqual([]);
		expect(recruiter.problems).toEqual([]);
	});

	it('an approver reads along live but cannot type', async () => {
		const page = approver.page;
		await expect.poll(() => documentText(page), { timeout: 10_000 }).toBe(`${FIRST}\n${SECOND}`);
		await page.getByTestId('collab-status').getByText('Live · read-only').waitFor();
		await page.getByText('You are reading along live').waitFor();
		await expect(editorOf(page).getAttribute('contenteditable')).resolves.toBe('false');
		await expect(page.getByRole('toolbar', { name: 'Formatting' }).isVisible()).resolves.toBe(false);

		// Typing does nothing, here or for the others.
		await editorOf(page).click();
		await page.keyboard.type('Sneaky edit');
		await page.keyboard.press('Enter');
		expect(await documentText(page)).toBe(`${FIRST}\n${SECOND}`);

		// A later edit by the manager still reaches the approver live.
		const hm = manager.page;
		await focusEditorAtEnd(hm, editorOf(hm));
		await hm.keyboard.type(' Remote in the EU.');
		await expect.poll(() => documentText(page), { timeout: 10_000 }).toBe(`${FIRST}\n${SECOND} Remote in the EU.`);
		expect(await documentText(recruiter.page)).not.toContain('Sneaky');

		expect(approver.problems).toEqual([]);
		expect(manager.problems).toEqual([]);
	});
});
