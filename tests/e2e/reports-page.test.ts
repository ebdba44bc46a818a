import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/app';
import { DESKTOP, horizontalExtent, launchBrowser, PHONE, signIn, type BrowserSession } from '../helpers/browser';
import {
	addApplication,
	createCandidate,
	createOrg,
	openRequirement,
	startApp,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { PASSWORD } from '../helpers/org';

/**
 * The reports page in Chromium against the built app: a recruiter opens /reports and sees the
 * funnel of a known pipeline (three applications: one moved on to screening, one rejected), the
 * sources and requirements figures, a CSV link carrying the filters, and the empty state for a
 * department with nothing in it. Screenshots at desktop and phone width (no sideways scroll).
 */
describe('reports page', () => {
	let running: RunningApp;
	let org: Org;
	let browser: BrowserSession;
	let sales: string;

	beforeAll(async () => {
		const port = await freePort();
		running = await startApp('pglite', { PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` });
		org = await createOrg(running);
		const other = await org.admin.api.post('/departments', { name: 'Sales' });
		expect(other.status).toBe(201);
		sales = other.body.data.id;
		const requirement = await openRequirement(org, 'Backend Engineer', { headcount: 3 });
		const apps = [];
		for (const [name, source] of [
			['Ann', 'referral'],
			['Ben', 'referral'],
			['Cat', 'agency']
		]) {
			const candidate = await createCandidate(org.recruiter, { name, source });
			apps.push(await addApplication(org.recruiter, requirement.id, candidate.id, 'applied'));
		}
		const moved = await org.recruiter.api.patch(`/applications/${apps[0].id}/stage`, {
			stage: 'screening',
			version: apps[0].version
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		const rejected = await org.recruiter.api.patch(`/applications/${apps[1].id}/stage`, {
			stage: 'rejected',
			version: apps[1].version,
			rejection_reason: 'salary_expectations'
		});
		expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
		browser = await launchBrowser({ baseURL: running.url });
	});

	afterAll(async () => {
		await browser?.close();
		await running?.close();
	});

	it('shows the figures, filters by department and offers each report as CSV', async () => {
		const page = browser.page;
		await signIn(page, org.recruiter.email, PASSWORD);
		await page.getByRole('link', { name: 'Reports' }).first().click();
		await page.waitForURL((url) => url.pathname === '/reports');
		await page.getByRole('heading', { name: 'Reports', level: 1 }).waitFor();

		const pipeline = page.getByTestId('report-pipeline');
		await pipeline.getByText('3 applications').waitFor();
		const cells = async (key: string) =>
			(await pipeline.getByTestId(`funnel-${key}`).locator('td').allInnerTexts()).map((t) => t.trim());
		expect(await cells('applied')).toEqual(['3', '1', '—']);
		expect(await cells('screening')).toEqual(['1', '1', '33.3%']);
		await pipeline.getByText('1 rejected').waitFor();
		await pipeline.getByText('Salary expectations: 1').waitFor();
		expect((await page.getByTestId('source-referral').locator('td').allInnerTexts()).map((t) => t.trim())).toEqual([
			'2',
			'2',
			'0',
			'0%'
		]);
		await expect(page.getByTestId('open-headcount').innerText()).resolves.toBe('3');
		await page.getByTestId('report-offers').getByText('No offers in this period.').waitFor();
		await expect(page.getByTestId('csv-pipeline').getAttribute('href')).resolves.toBe(
			'/api/v1/reports/pipeline?format=csv'
		);

		await page.setViewportSize(DESKTOP);
		await page.screenshot({ path: '/tmp/reports-1280.png', fullPage: true });
		await page.setViewportSize(PHONE);
		await page.waitForTimeout(100);
		await page.screenshot({ path: '/tmp/reports-375.png', fullPage: true });
		const extent = await horizontalExtent(page);
		expect(extent.scrollWidth).toBeLessThanOrEqual(extent.innerWidth);
		await page.setViewportSize(DESKTOP);

		// Another department: the empty states, and the CSV link keeps the filter.
		await page.getByLabel('Department').selectOption({ label: 'Sales' });
		await page.waitForURL((url) => url.searchParams.get('department_id') === sales);
		await pipeline.getByText('No applications in this period.').waitFor();
		await page.getByTestId('report-requirements').getByText('No requirements in this period.').waitFor();
		await expect(page.getByTestId('csv-sources').getAttribute('href')).resolves.toBe(
			`/api/v1/reports/sources?department_id=${sales}&format=csv`
		);
		expect(browser.problems).toEqual([]);
	});
});
