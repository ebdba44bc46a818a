import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';
import { createUser, PASSWORD, registerAdmin } from '../helpers/org';

/**
 * The salary benchmark on the requirement page (issue 7, part 4): without Gemini the heuristic
 * answers from the organisation's own data (here the job level's band), marked as such, and the
 * requirement's range and the level's band are placed against it.
 */
describe('the salary benchmark panel on the requirement page', () => {
	let app: RunningProcess;
	let browser: BrowserSession;
	let requirementId: string;

	beforeAll(async () => {
		app = await startAppForBrowser();
		const admin = await registerAdmin(app.url);
		const manager = await createUser(app.url, admin.api, 'hiring_manager', 'Marie Curie');
		const recruiter = await createUser(app.url, admin.api, 'recruiter', 'Ada Lovelace');
		const department = await admin.api.post('/departments', { name: 'Platform' });
		const level = await admin.api.post('/job-levels', {
			name: 'Senior',
			rank: 3,
			salary_min: 100_000,
			salary_max: 120_000,
			currency: 'EUR'
		});
		expect(level.status, JSON.stringify(level.body)).toBe(201);
		const created = await manager.api.post('/requirements', {
			title: 'Backend Engineer',
			department_id: department.body.data.id,
			job_level_id: level.body.data.id,
			salary_min: 90_000,
			salary_max: 95_000,
			currency: 'EUR',
			location_city: 'Berlin',
			location_country: 'DE'
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		requirementId = created.body.data.id;
		browser = await launchBrowser({ baseURL: app.url });
		await signIn(browser.page, recruiter.email, PASSWORD);
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('benchmarks the salary and places the range and the band against the market', async () => {
		const page = browser.page;
		await page.goto(`/requirements/${requirementId}`);
		const panel = page.getByTestId('salary-benchmark-card');
		await panel.getByTestId('run-salary-benchmark').click();
		await panel.getByTestId('benchmark-percentiles').waitFor({ timeout: 30_000 });
		const figures = await panel.getByTestId('benchmark-percentiles').innerText();
		expect(figures).toMatch(/25th\s+€105,000\s+Median\s+€110,000\s+75th\s+€115,000/);
		await expect(panel.getByTestId('range-position').innerText()).resolves.toBe('below the market');
		await expect(panel.getByTestId('band-position').innerText()).resolves.toBe('within the market');
		await expect(panel.getByTestId('benchmark-source').innerText()).resolves.toMatch(
			/^Heuristic — your own data, 0 accepted offers · low confidence/
		);
		await expect(panel.innerText()).resolves.toContain('Job level band "Senior"');
		await panel.screenshot({ path: 'test-results/salary-benchmark-panel.png' });

		// Asked again, it is refreshed (a new benchmark), with the same figures from the same data.
		await panel.getByTestId('run-salary-benchmark').click();
		await expect
			.poll(() => panel.getByTestId('run-salary-benchmark').innerText(), { timeout: 30_000 })
			.toBe('Ask again');
		await expect(panel.getByTestId('range-position').innerText()).resolves.toBe('below the market');
		expect(browser.problems).toEqual([]);
	});
});
