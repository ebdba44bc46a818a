import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../helpers/app';
import { launchBrowser, signIn, type BrowserSession } from '../helpers/browser';
import { BACKEND_ROLE, cvByKey, cvDocx, type CvFixture } from '../helpers/cvs';
import {
	addApplication,
	createCandidate,
	createOrg,
	openRequirement,
	postForm,
	startApp,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { PASSWORD } from '../helpers/org';

/**
 * "Screen this column" on the live board (issue 7), in Chromium without Gemini: the recruiter
 * screens the Applied column, the progress shows, and each card gets its heuristic score as its
 * job finishes — no reload, and no card moves (the suggestion is advisory).
 */
describe('screening a board column with AI', () => {
	let running: RunningApp;
	let org: Org;
	let browser: BrowserSession;
	let requirementId: string;
	const cards: Record<string, string> = {};

	async function applicant(cv: CvFixture, stage: string) {
		const candidate = await createCandidate(org.recruiter, {
			name: cv.name,
			emails: [cv.email],
			current_title: cv.currentTitle
		});
		const upload = await postForm(running.url, org.recruiter.token, `/candidates/${candidate.id}/resume`, {
			bytes: cvDocx(cv.text),
			name: `${cv.key}.docx`,
			type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
		});
		expect(upload.status, JSON.stringify(upload.body)).toBe(201);
		await waitFor(
			async () => (await org.recruiter.api.get(`/candidates/${candidate.id}`)).body.data?.has_cv_text === true,
			{ timeoutMs: 30_000, message: `the CV text of ${cv.name}` }
		);
		return (await addApplication(org.recruiter, requirementId, candidate.id, stage)).id;
	}

	beforeAll(async () => {
		const port = await freePort();
		running = await startApp('pglite', { PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` });
		org = await createOrg(running);
		requirementId = (
			await openRequirement(org, BACKEND_ROLE.title, {
				must_have_skills: BACKEND_ROLE.mustHave,
				nice_to_have_skills: BACKEND_ROLE.niceToHave
			})
		).id;
		cards.strong = await applicant(cvByKey('backend-strong'), 'applied');
		cards.none = await applicant(cvByKey('sales-strong'), 'applied');
		cards.sourced = await applicant(cvByKey('backend-partial'), 'sourced');
		browser = await launchBrowser({ baseURL: running.url });
		await signIn(browser.page, org.recruiter.email, PASSWORD);
	});

	afterAll(async () => {
		await browser?.close();
		await running?.close();
	});

	it('puts each score on its card as it arrives, moves nothing, and leaves other columns alone', async () => {
		const { page } = browser;
		await page.goto(`/requirements/${requirementId}/board`);
		await page.locator('[data-testid="board-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
		const card = (id: string) => page.locator(`[data-testid="board-card"][data-id="${id}"]`);
		await expect(card(cards.strong).getByTestId('board-card-score').count()).resolves.toBe(0);

		await page.getByTestId('screen-column-applied').getByRole('button', { name: 'Screen with AI' }).click();
		const strongScore = card(cards.strong).getByTestId('board-card-score');
		const noneScore = card(cards.none).getByTestId('board-card-score');
		await strongScore.waitFor({ timeout: 20_000 });
		await noneScore.waitFor({ timeout: 20_000 });
		await page.getByTestId('screen-column-applied').getByText('Screened 2').waitFor({ timeout: 20_000 });
		await page.screenshot({ path: '/tmp/board-screening-1280.png', fullPage: true });

		const score = async (text: Promise<string | null>) => Number(/AI (\d+)/.exec((await text) ?? '')?.[1]);
		const strong = await score(strongScore.textContent());
		const none = await score(noneScore.textContent());
		expect(await strongScore.textContent()).toContain('heuristic');
		expect(strong).toBeGreaterThan(none);
		// The sourced column was not screened, and no card moved.
		expect(await card(cards.sourced).getByTestId('board-card-score').count()).toBe(0);
		for (const id of [cards.strong, cards.none]) {
			const application = await org.recruiter.api.get(`/applications/${id}`);
			expect(application.body.data.stage).toBe('applied');
		}
		// What the page showed is what was stored.
		const stored = await org.recruiter.api.get(`/requirements/${requirementId}/pipeline`);
		const byId = new Map(
			(stored.body.data.cards as Array<{ id: string; screening?: { score: number } | null }>).map((c) => [c.id, c])
		);
		expect(byId.get(cards.strong)?.screening?.score).toBe(strong);
		expect(byId.get(cards.none)?.screening?.score).toBe(none);
	});
});
