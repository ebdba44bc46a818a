import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { apiClient, RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';
import { createUser, eventually, PASSWORD, registerAdmin } from '../helpers/org';

type Client = ReturnType<typeof apiClient>;

/**
 * Moving an application to `interview` offers to schedule one (issue 5 part 1), in Chromium: on
 * the live board (a card moved through its "Move to…" menu, once the sync server has written the
 * move) and on the candidate profile's stage change (REST). The offer links to
 * `/interviews/new?application=<id>`, which opens pre-filled for that candidate and
 * requirement. A hiring manager may move cards but not schedule interviews: no offer for them.
 */
describe('the "Schedule an interview" offer after a move to Interview', () => {
	let app: RunningProcess;
	let recruiter: Client;
	let rita: BrowserSession;
	let hanna: BrowserSession;
	let requirementId: string;
	const ids: Record<'grace' | 'alan' | 'barbara', { application: string; candidate: string }> = {
		grace: { application: '', candidate: '' },
		alan: { application: '', candidate: '' },
		barbara: { application: '', candidate: '' }
	};

	beforeAll(async () => {
		app = await startAppForBrowser();
		const { api: admin } = await registerAdmin(app.url);
		const [ritaUser, manager, approver] = [
			await createUser(app.url, admin, 'recruiter', 'Rita Recruiter'),
			await createUser(app.url, admin, 'hiring_manager', 'Hanna Manager'),
			await createUser(app.url, admin, 'approver', 'Amir Approver')
		];
		recruiter = ritaUser.api;
		const dept = await admin.post('/departments', { name: 'Engineering' });
		expect(dept.status, JSON.stringify(dept.body)).toBe(201);
		const created = await manager.api.post('/requirements', {
			title: 'Kernel Engineer',
			department_id: dept.body.data.id
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		requirementId = created.body.data.id;
		expect((await manager.api.post(`/requirements/${requirementId}/submit`, {})).status).toBe(200);
		const pending = await approver.api.get('/approvals/pending');
		const approval = (pending.body.data.items as Array<{ id: string; subject_id: string }>).find(
			(a) => a.subject_id === requirementId
		);
		expect(approval, 'an approval for the requirement').toBeTruthy();
		expect((await approver.api.post(`/approvals/${approval!.id}/approve`, {})).status).toBe(200);
		expect((await recruiter.post(`/requirements/${requirementId}/open`, {})).status).toBe(200);

		const apply = async (name: string, stage: string) => {
			const candidate = await recruiter.post('/candidates', { name });
			expect(candidate.status, JSON.stringify(candidate.body)).toBe(201);
			const application = await recruiter.post(`/requirements/${requirementId}/applications`, {
				candidate_id: candidate.body.data.id,
				stage
			});
			expect(application.status, JSON.stringify(application.body)).toBe(201);
			return { application: application.body.data.id as string, candidate: candidate.body.data.id as string };
		};
		ids.grace = await apply('Grace Hopper', 'screening');
		ids.alan = await apply('Alan Kay', 'screening');
		ids.barbara = await apply('Barbara Liskov', 'applied');

		[rita, hanna] = await Promise.all([launchBrowser({ baseURL: app.url }), launchBrowser({ baseURL: app.url })]);
		await Promise.all([signIn(rita.page, ritaUser.email, PASSWORD), signIn(hanna.page, manager.email, PASSWORD)]);
	});

	afterAll(async () => {
		await Promise.all([rita?.close(), hanna?.close()]);
		await app?.stop();
	});

	const stageOf = async (id: string) => {
		const res = await recruiter.get(`/applications/${id}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return res.body.data.stage as string;
	};

	async function openBoard(page: Page) {
		await page.goto(`/requirements/${requirementId}/board`);
		await page
			.locator('[data-testid="board-status"][data-synced="true"][data-can-move="true"]')
			.waitFor({ timeout: 30_000 });
	}

	/** The keyboard way: the card's "Move to…" menu, then the stage. */
	async function moveWithMenu(page: Page, name: string, stage: string) {
		await page.getByRole('button', { name: `Move ${name} to…` }).focus();
		await page.keyboard.press('Enter');
		const menu = page.getByRole('menu', { name: `Move ${name} to` });
		await menu.waitFor();
		await menu.getByRole('menuitem', { name: stage }).focus();
		await page.keyboard.press('Enter');
	}

	it('on the board: a recruiter who moves a card to Interview is offered scheduling, pre-filled', async () => {
		const page = rita.page;
		await openBoard(page);
		expect(await page.getByTestId('schedule-offer').count()).toBe(0);
		await moveWithMenu(page, 'Grace Hopper', 'Interview');
		const offer = page.getByTestId('schedule-offer');
		await offer.waitFor({ timeout: 15_000 });
		// Shown only once the move is in Postgres.
		expect(await stageOf(ids.grace.application)).toBe('interview');
		expect(await offer.textContent()).toContain('Grace Hopper moved to Interview.');
		const link = offer.getByRole('link', { name: 'Schedule an interview' });
		expect(await link.getAttribute('href')).toBe(`/interviews/new?application=${ids.grace.application}`);
		await page.screenshot({ path: '/tmp/schedule-offer-board.png' });

		await link.click();
		await page.waitForURL((url) => url.pathname === '/interviews/new');
		expect(new URL(page.url()).searchParams.get('application')).toBe(ids.grace.application);
		await page.getByRole('heading', { name: 'Schedule an interview' }).waitFor();
		expect(await page.getByText('Grace Hopper · REQ-').textContent()).toContain('Kernel Engineer');
		expect(rita.problems).toEqual([]);
	});

	it('on the board: a hiring manager moves a card to Interview and is not offered scheduling', async () => {
		const page = hanna.page;
		await openBoard(page);
		await moveWithMenu(page, 'Alan Kay', 'Interview');
		await eventually(async () => (await stageOf(ids.alan.application)) === 'interview');
		// Longer than the recruiter's offer took to appear after the row was written.
		await page.waitForTimeout(2_000);
		expect(await page.getByTestId('schedule-offer').count()).toBe(0);
		expect(
			await page.locator(`[data-testid="board-card"][data-id="${ids.alan.application}"]`).getAttribute('data-stage')
		).toBe('interview');
		expect(hanna.problems).toEqual([]);
	});

	it('on the candidate profile: a stage change to Interview offers scheduling; another stage does not', async () => {
		const page = rita.page;
		await page.goto(`/candidates/${ids.barbara.candidate}`);
		const row = page.getByTestId('application-row');
		await row.getByTestId('application-stage').filter({ hasText: 'Applied' }).waitFor();

		// Applied → Screening: a plain confirmation, no offer.
		await row.getByLabel('Move to stage').selectOption('screening');
		await row.getByRole('button', { name: 'Move', exact: true }).click();
		await page.getByTestId('page-banner').filter({ hasText: 'Moved to Screening in Kernel Engineer.' }).waitFor();
		expect(await stageOf(ids.barbara.application)).toBe('screening');
		expect(await page.getByTestId('schedule-offer').count()).toBe(0);

		// Screening → Interview: the offer.
		await row.getByLabel('Move to stage').selectOption('interview');
		await row.getByRole('button', { name: 'Move', exact: true }).click();
		const offer = page.getByTestId('schedule-offer');
		await offer.waitFor();
		expect(await stageOf(ids.barbara.application)).toBe('interview');
		await row.getByTestId('application-stage').filter({ hasText: 'Interview' }).waitFor();
		expect(await offer.textContent()).toContain('Barbara Liskov moved to Interview.');
		await page.screenshot({ path: '/tmp/schedule-offer-profile.png', fullPage: true });
		await offer.getByRole('link', { name: 'Schedule an interview' }).click();
		await page.waitForURL((url) => url.pathname === '/interviews/new');
		expect(new URL(page.url()).searchParams.get('application')).toBe(ids.barbara.application);
		expect(await page.getByText('Barbara Liskov · REQ-').textContent()).toContain('Kernel Engineer');
		expect(rita.problems).toEqual([]);
	});
});
