import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';
import { createUser, PASSWORD, registerAdmin } from '../helpers/org';

type Client = Awaited<ReturnType<typeof createUser>>['api'];

describe('the requirement form checks what it sends and shows what the server refuses', () => {
	let app: RunningProcess;
	let browser: BrowserSession;
	let hm: Client;
	let departmentId: string;
	const requests: string[] = [];

	beforeAll(async () => {
		app = await startAppForBrowser();
		const admin = await registerAdmin(app.url);
		const manager = await createUser(app.url, admin.api, 'hiring_manager', 'Hedy Lamarr');
		await createUser(app.url, admin.api, 'approver', 'Alan Turing');
		hm = manager.api;
		const department = await admin.api.post('/departments', { name: 'Platform' });
		departmentId = department.body.data.id;
		browser = await launchBrowser({ baseURL: app.url });
		await signIn(browser.page, manager.email, PASSWORD);
		browser.page.on('request', (request) => {
			if (request.url().includes('/api/v1/requirements') && request.method() !== 'GET') {
				requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
			}
		});
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('names each problem on its field before sending anything', async () => {
		const { page } = browser;
		await page.goto('/requirements/new');
		await page.getByRole('heading', { name: 'New requirement', level: 1 }).waitFor();

		await page.getByLabel('Job title').fill('QA');
		await page.getByLabel('Salary from').fill('90000');
		await page.getByLabel('Salary up to').fill('60000');
		await page.getByLabel('Country').fill('D1');
		await page.getByRole('button', { name: 'Create draft' }).click();

		await page.locator('#field-salary_max-error').getByText('The maximum must be at least the minimum').waitFor();
		await expect(page.getByLabel('Salary up to').getAttribute('aria-invalid')).resolves.toBe('true');
		await page.locator('#field-title-error').getByText('Title must be at least 3 characters').waitFor();
		await page.locator('#field-department_id-error').waitFor();
		await page.locator('#field-currency-error').getByText('A salary range needs a currency').waitFor();
		await page.locator('#field-location_country-error').getByText('Use a 2-letter country code').waitFor();
		// Focus lands on the first field at fault, so it is announced.
		await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('field-title');
		expect(requests).toEqual([]);

		// Fixed, it goes through.
		await page.getByLabel('Job title').fill('QA Engineer');
		await page.getByLabel('Department').selectOption({ label: 'Platform' });
		await page.getByLabel('Country').fill('de');
		await page.getByLabel('Salary up to').fill('95000');
		await page.getByLabel('Currency').fill('eur');
		await page.getByRole('button', { name: 'Create draft' }).click();
		await page.waitForURL(/\/requirements\/[0-9a-f-]{36}$/);
		await page.getByTestId('requirement-details').getByText('€90,000 – €95,000').waitFor();
		expect(requests).toEqual(['POST /api/v1/requirements']);
		expect(browser.problems).toEqual([]);
	});

	it('shows a version conflict (409) with both versions, and saves on top of the latest', async () => {
		const { page } = browser;
		const created = await hm.post('/requirements', {
			title: 'Site Reliability Engineer',
			department_id: departmentId,
			headcount: 1,
			employment_type: 'full_time',
			remote_policy: 'onsite'
		});
		const id: string = created.body.data.id;
		await page.goto(`/requirements/${id}/edit`);
		await page.getByRole('heading', { name: 'Edit requirement', level: 1 }).waitFor();

		// Someone else saves meanwhile (the page still holds version 1).
		const other = await hm.patch(`/requirements/${id}`, { title: 'Senior SRE', version: created.body.data.version });
		expect(other.status).toBe(200);

		await page.getByLabel('Headcount').fill('3');
		await page.getByRole('button', { name: 'Save changes' }).click();
		const conflict = page.getByTestId('version-conflict');
		await conflict.waitFor();
		await conflict.getByText('Someone else saved this requirement while you were editing it').waitFor();
		const titleRow = conflict.locator('[data-testid="conflict-row"][data-field="title"]');
		await expect(titleRow.innerText()).resolves.toContain('Senior SRE');
		await expect(titleRow.innerText()).resolves.toContain('(changed)');
		const headcountRow = conflict.locator('[data-testid="conflict-row"][data-field="headcount"]');
		await expect(headcountRow.innerText()).resolves.toContain('(your edit)');
		expect(requests.filter((r) => r.startsWith('PATCH'))).toHaveLength(1);

		// Keep mine on top of theirs: the form shows their title with my headcount, then saves.
		await conflict.getByRole('button', { name: 'Keep my changes on top' }).click();
		await conflict.waitFor({ state: 'detached' });
		await expect(page.getByLabel('Job title').inputValue()).resolves.toBe('Senior SRE');
		await expect(page.getByLabel('Headcount').inputValue()).resolves.toBe('3');
		await page.getByRole('button', { name: 'Save changes' }).click();
		await page.waitForURL(`**/requirements/${id}`);
		await page.getByRole('heading', { name: 'Senior SRE', level: 1 }).waitFor();
		const saved = await hm.get(`/requirements/${id}`);
		expect(saved.body.data.headcount).toBe(3);
		expect(saved.body.data.title).toBe('Senior SRE');
		expect(saved.body.data.version).toBe(3);
		expect(browser.problems).toEqual([]);
	});

	it('says when saving restarts the approval of a submitted requirement', async () => {
		const { page } = browser;
		const created = await hm.post('/requirements', {
			title: 'Data Engineer',
			department_id: departmentId,
			headcount: 1,
			employment_type: 'full_time',
			remote_policy: 'remote',
			salary_min: 60000,
			salary_max: 70000,
			currency: 'EUR'
		});
		const id: string = created.body.data.id;
		expect((await hm.post(`/requirements/${id}/submit`, {})).status).toBe(200);
		await page.goto(`/requirements/${id}/edit`);
		await page.getByRole('heading', { name: 'Edit requirement', level: 1 }).waitFor();

		// A title change does not touch the approvals…
		await page.getByLabel('Job title').fill('Senior Data Engineer');
		await expect(page.getByTestId('approval-reset-warning').count()).resolves.toBe(0);
		// …a salary change does, and the form says so before saving.
		await page.getByLabel('Salary up to').fill('80000');
		const warning = page.getByTestId('approval-reset-warning');
		await warning.getByText('Saving restarts approval.').waitFor();
		await expect(warning.innerText()).resolves.toContain('salary up to');
		await page.getByRole('button', { name: 'Save and restart approval' }).click();
		await page.waitForURL(`**/requirements/${id}`);
		await page
			.getByTestId('requirement-activity')
			.getByText(/changed the salary range after submission/)
			.waitFor();
		await page.locator('[data-testid="approval-round"][data-round="2"]').first().waitFor();
		expect(browser.problems).toEqual([]);
	});
});
