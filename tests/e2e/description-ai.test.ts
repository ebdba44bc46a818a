import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { RunningProcess } from '../helpers/app';
import {
	DESKTOP,
	focusEditorAtEnd,
	horizontalExtent,
	launchBrowser,
	PHONE,
	signIn,
	startAppForBrowser,
	type BrowserSession
} from '../helpers/browser';
import { jobDescriptionAnswer, startFakeGemini, type FakeGemini, type GeminiRequest } from '../helpers/gemini';
import { createUser, eventually, PASSWORD, registerAdmin } from '../helpers/org';

const MANAGER = 'Hedy Lamarr';
const RECRUITER = 'Rosalind Franklin';
const OWN = 'We move money safely.';
const IMPROVED = 'We move money safely, for millions of people.';

const editorOf = (page: Page) => page.getByTestId('collab-editor');

async function waitUntilLive(page: Page) {
	await page.locator('[data-testid="collab-status"][data-synced="true"]').getByText('Live').waitFor();
}

/** The editor's blocks as text, one a line (no caret labels). */
function documentText(page: Page): Promise<string> {
	return editorOf(page).evaluate((element) => {
		const copy = element.cloneNode(true) as HTMLElement;
		copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove());
		return Array.from(copy.querySelectorAll('p, h2'), (p) => p.textContent ?? '').join('\n');
	});
}

/** Selects the text `text` inside the editor (as a person dragging over it would). */
async function selectText(page: Page, editor: Locator, text: string) {
	await editor.click();
	await editor.evaluate((element, wanted) => {
		const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
		for (let node = walker.nextNode(); node; node = walker.nextNode()) {
			const at = node.textContent?.indexOf(wanted) ?? -1;
			if (at < 0) continue;
			const range = document.createRange();
			range.setStart(node, at);
			range.setEnd(node, at + wanted.length);
			const selection = window.getSelection();
			selection?.removeAllRanges();
			selection?.addRange(range);
			return;
		}
		throw new Error(`"${wanted}" is not in the editor`);
	}, text);
	await page.waitForTimeout(80);
}

/** The fake Gemini's answer per feature, told apart by the system instruction. */
function answer(request: GeminiRequest) {
	const system = request.body.systemInstruction?.parts?.map((p) => p.text).join('') ?? '';
	if (system.includes('job advertisements. Clear'))
		return { json: jobDescriptionAnswer(request.prompt, 'Gemini drafted') };
	if (system.includes('You edit paragraphs'))
		return { json: { text: IMPROVED, changes: ['Said who it is for'] }, delayMs: 300 };
	return { json: { flags: [] } };
}

describe('drafting the job description with AI in the live editor', () => {
	let fake: FakeGemini;
	let app: RunningProcess;
	let manager: BrowserSession;
	let recruiter: BrowserSession;
	let requirementId: string;
	let managerApi: Awaited<ReturnType<typeof createUser>>['api'];

	beforeAll(async () => {
		fake = await startFakeGemini(answer);
		app = await startAppForBrowser({
			GEMINI_API_KEY: 'fake-key-for-the-editor',
			GEMINI_BASE_URL: fake.url,
			GEMINI_RETRY_BASE_MS: '50',
			GEMINI_TIMEOUT_MS: '5000'
		});
		const admin = await registerAdmin(app.url);
		const hm = await createUser(app.url, admin.api, 'hiring_manager', MANAGER);
		const rec = await createUser(app.url, admin.api, 'recruiter', RECRUITER);
		managerApi = hm.api;
		const department = await admin.api.post('/departments', { name: 'Payments' });
		const created = await hm.api.post('/requirements', {
			title: 'Payments Engineer',
			department_id: department.body.data.id,
			remote_policy: 'remote',
			must_have_skills: ['Go', 'PostgreSQL']
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		requirementId = created.body.data.id;
		[manager, recruiter] = await Promise.all([
			launchBrowser({ baseURL: app.url }),
			launchBrowser({ baseURL: app.url })
		]);
		await Promise.all([signIn(manager.page, hm.email, PASSWORD), signIn(recruiter.page, rec.email, PASSWORD)]);
		await Promise.all([manager, recruiter].map(({ page }) => page.goto(`/requirements/${requirementId}`)));
		await Promise.all([waitUntilLive(manager.page), waitUntilLive(recruiter.page)]);
	});

	afterAll(async () => {
		await Promise.all([manager?.close(), recruiter?.close()]);
		await app?.stop();
		await fake?.close();
	});

	const row = async () =>
		(await managerApi.get(`/requirements/${requirementId}`)).body.data as {
			description_html: string;
			description_text: string;
		};

	it('the manager drafts with AI; the recruiter sees the suggestions live; part accepted, part rejected', async () => {
		const hm = manager.page;
		const rec = recruiter.page;
		await editorOf(hm).click();
		await hm.keyboard.type(OWN);
		await expect.poll(() => documentText(rec), { timeout: 10_000 }).toBe(OWN);

		await hm.getByTestId('draft-with-ai').click();
		const dialog = hm.getByRole('dialog', { name: 'Draft the job description with AI' });
		await dialog.getByLabel('Tone').selectOption('friendly');
		await dialog.getByLabel('Anything to stress? (optional)').fill('Mention that we pair a lot.');
		await dialog.getByRole('button', { name: 'Write the draft' }).click();
		// Progress, then where it came from.
		await hm.getByTestId('draft-source').getByText('AI (Gemini)').waitFor({ timeout: 30_000 });
		await expect(hm.getByTestId('draft-status').innerText()).resolves.toContain('Draft added below as 4 suggestions');
		expect(fake.requests.some((r) => r.prompt.includes('<instructions>\nMention that we pair a lot.'))).toBe(true);

		// The recruiter, who asked for nothing, sees the four sections arrive, highlighted.
		for (const page of [hm, rec]) {
			await expect.poll(() => page.getByTestId('suggestion').count(), { timeout: 15_000 }).toBe(4);
			await expect(page.getByTestId('suggestion-source').first().innerText()).resolves.toBe('AI (Gemini)');
			await expect(page.getByTestId('suggestion').first().innerText()).resolves.toContain(`by AI, asked by ${MANAGER}`);
			await expect(editorOf(page).locator('ins.suggestion-insert[data-author="AI"]').count()).resolves.toBeGreaterThan(
				4
			);
		}
		await expect(rec.getByTestId('suggestion-label').allInnerTexts()).resolves.toEqual([
			'About the role',
			'Responsibilities',
			'Requirements',
			'What we offer'
		]);
		await hm.screenshot({ path: '/tmp/description-ai-suggestions-1280.png', fullPage: true });
		// On a phone the tools and the list fit: nothing scrolls sideways.
		await rec.setViewportSize(PHONE);
		await rec.waitForTimeout(200);
		const extent = await horizontalExtent(rec);
		expect(extent.scrollWidth).toBeLessThanOrEqual(extent.innerWidth);
		await rec.screenshot({ path: '/tmp/description-ai-suggestions-375.png', fullPage: true });
		await rec.setViewportSize(DESKTOP);
		// Not in the posting while pending: the row renders what people wrote, a few seconds after
		// the last change (the suggestions arriving are changes too).
		await expect.poll(async () => (await row()).description_text, { timeout: 10_000 }).toBe(OWN);

		// Accept two sections, reject two — the manager decides, the recruiter watches.
		await hm.getByRole('button', { name: 'Accept About the role' }).click();
		await hm.getByRole('button', { name: 'Reject Responsibilities' }).click();
		await hm.getByRole('button', { name: 'Accept Requirements' }).click();
		await hm.getByRole('button', { name: 'Reject What we offer' }).click();
		await expect.poll(() => rec.getByTestId('suggestion').count(), { timeout: 10_000 }).toBe(0);
		await expect(editorOf(rec).locator('ins.suggestion-insert').count()).resolves.toBe(0);
		const text = await documentText(rec);
		expect(text).toContain('About the role\nAs our Payments Engineer you will shape how we build. Gemini drafted.');
		expect(text).toContain('Solid experience with Go');
		expect(text).not.toMatch(/Own services|Remote-friendly|What we offer/);

		// Rendered into the requirement row: what was accepted, nothing rejected.
		const rendered = await eventually(
			async () => {
				const r = await row();
				return r.description_html.includes('Solid experience with PostgreSQL') ? r : null;
			},
			10_000,
			'the accepted sections in the requirement'
		);
		expect(rendered.description_html).toBe(
			`<p>${OWN}</p><h2>About the role</h2><p>As our Payments Engineer you will shape how we build. Gemini drafted.</p>` +
				'<h2>Requirements</h2><ul><li><p>Solid experience with Go</p></li><li><p>Solid experience with PostgreSQL</p></li></ul>'
		);
		expect(manager.problems).toEqual([]);
		expect(recruiter.problems).toEqual([]);
	});

	it('improve selection offers a rewrite as a suggestion with its changes; accepting replaces the text', async () => {
		const hm = manager.page;
		const rec = recruiter.page;
		await selectText(hm, editorOf(hm), OWN);
		await hm.getByTestId('improve-selection').click();
		const form = hm.getByTestId('improve-form');
		await form.getByRole('textbox').fill('say who it is for');
		await form.getByRole('button', { name: 'Improve' }).click();

		// Old text struck through, new text proposed — at both editors, with the list of changes.
		for (const page of [hm, rec]) {
			await editorOf(page).locator('del.suggestion-delete', { hasText: OWN }).waitFor({ timeout: 15_000 });
			await editorOf(page).locator('ins.suggestion-insert', { hasText: IMPROVED }).waitFor();
			const item = page.getByTestId('suggestion').filter({ hasText: 'Improved text' });
			await expect(item.getByTestId('suggestion-label').innerText()).resolves.toBe('Improved text');
			await expect(item.innerText()).resolves.toContain('Said who it is for');
		}
		await hm.screenshot({ path: '/tmp/description-ai-improve-1280.png', fullPage: true });
		expect(
			fake.requests.some((r) => r.prompt.includes('Instruction: say who it is for') && r.prompt.includes(OWN))
		).toBe(true);
		// The recruiter accepts it.
		await rec.getByRole('button', { name: 'Accept Improved text' }).click();
		await expect.poll(() => documentText(hm), { timeout: 10_000 }).toMatch(new RegExp(`^${IMPROVED}\\n`));
		await expect(editorOf(hm).locator('del, ins').count()).resolves.toBe(0);
		await eventually(
			async () => ((await row()).description_text.startsWith(IMPROVED) ? true : null),
			10_000,
			'the improved sentence in the requirement'
		);
	});

	it('the inclusive-language check underlines flagged words; an alternative replaces one for everyone', async () => {
		const hm = manager.page;
		const rec = recruiter.page;
		await focusEditorAtEnd(hm, editorOf(hm));
		await hm.keyboard.press('Enter');
		await hm.keyboard.type('Our guys ship daily and want a rockstar.');
		await expect.poll(() => documentText(rec), { timeout: 10_000 }).toContain('Our guys ship daily');

		await hm.getByTestId('inclusive-check').click();
		const panel = hm.getByTestId('inclusive-panel');
		await panel.getByTestId('inclusive-flag').first().waitFor({ timeout: 15_000 });
		await expect(panel.getByTestId('flag-text').allInnerTexts()).resolves.toEqual(['guys', 'rockstar']);
		await expect(editorOf(hm).locator('.inclusive-flag').allInnerTexts()).resolves.toEqual(['guys', 'rockstar']);
		await hm.screenshot({ path: '/tmp/description-ai-inclusive-1280.png', fullPage: true });

		// The recruiter types above meanwhile: the underline stays on the right words.
		await editorOf(rec).click();
		await rec.keyboard.press('Control+Home');
		await rec.keyboard.type('Hello. ');
		await expect.poll(() => documentText(hm), { timeout: 10_000 }).toMatch(/^Hello\. /);
		await expect(editorOf(hm).locator('.inclusive-flag').allInnerTexts()).resolves.toEqual(['guys', 'rockstar']);

		await panel.getByTestId('inclusive-flag').filter({ hasText: 'guys' }).getByRole('button', { name: 'team' }).click();
		await expect
			.poll(() => documentText(rec), { timeout: 10_000 })
			.toContain('Our team ship daily and want a rockstar.');
		await expect(panel.getByTestId('flag-text').allInnerTexts()).resolves.toEqual(['rockstar']);
		expect(manager.problems).toEqual([]);
		expect(recruiter.problems).toEqual([]);
	});
});
