import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProcess } from '../helpers/app';
import {
	horizontalExtent,
	launchBrowser,
	PHONE,
	signIn,
	startAppForBrowser,
	type BrowserSession
} from '../helpers/browser';
import { createUser, PASSWORD, registerAdmin } from '../helpers/org';

type Client = Awaited<ReturnType<typeof createUser>>['api'];

const ADMIN_EMAIL = 'admin@example.com';

describe('departments, job levels and approval workflows in the admin pages', () => {
	let app: RunningProcess;
	let desktop: BrowserSession;
	let phone: BrowserSession;
	let hm: { api: Client; id: string; email: string };
	let lead: { api: Client; id: string; email: string };
	let head: { api: Client; id: string; email: string };
	let adminApi: Client;

	beforeAll(async () => {
		app = await startAppForBrowser();
		const { api: admin } = await registerAdmin(app.url, ADMIN_EMAIL);
		adminApi = admin;
		hm = await createUser(app.url, admin, 'hiring_manager', 'Hedy Lamarr');
		lead = await createUser(app.url, admin, 'approver', 'Alan Turing');
		head = await createUser(app.url, admin, 'approver', 'Grace Hopper');
		[desktop, phone] = await Promise.all([
			launchBrowser({ baseURL: app.url }),
			launchBrowser({ baseURL: app.url, viewport: PHONE })
		]);
		await Promise.all([signIn(desktop.page, ADMIN_EMAIL, PASSWORD), signIn(phone.page, hm.email, PASSWORD)]);
	});

	afterAll(async () => {
		await Promise.all([desktop?.close(), phone?.close()]);
		await app?.stop();
	});

	it('builds the organisation and a workflow that then decides who approves', async () => {
		const page = desktop.page;
		await page.goto('/admin');
		const tabs = page.getByRole('navigation', { name: 'Admin' });
		await tabs.getByRole('link', { name: 'Departments' }).click();
		await page.getByRole('heading', { name: 'Departments', level: 1 }).waitFor();

		// A department with a head, then one inside it.
		await page.getByRole('button', { name: 'New department' }).first().click();
		let dialog = page.getByRole('dialog', { name: 'New department' });
		await dialog.getByRole('button', { name: 'Add department' }).click();
		await dialog.getByText('Name is required').waitFor();
		await dialog.getByLabel('Name').fill('Engineering');
		await dialog.getByLabel('Code (optional)').fill('ENG');
		await dialog.getByLabel('Head').selectOption({ label: 'Grace Hopper' });
		await dialog.getByRole('button', { name: 'Add department' }).click();
		await dialog.waitFor({ state: 'detached' });
		await page.getByTestId('admin-banner').getByText('Engineering was added.').waitFor();

		await page.getByRole('button', { name: 'Add sub-department to Engineering' }).click();
		dialog = page.getByRole('dialog', { name: 'New department' });
		await expect(dialog.getByLabel('Inside').inputValue()).resolves.not.toBe('');
		await dialog.getByLabel('Name').fill('Backend');
		await dialog.getByRole('button', { name: 'Add department' }).click();
		await dialog.waitFor({ state: 'detached' });
		const rows = page.getByTestId('department-row');
		await expect
			.poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-name'))))
			.toEqual(['Engineering', 'Backend']);
		await expect(rows.first().innerText()).resolves.toContain('Grace Hopper');

		// A job level: the band is checked before it is sent.
		await tabs.getByRole('link', { name: 'Job levels' }).click();
		await page.getByRole('heading', { name: 'Job levels', level: 1 }).waitFor();
		await page.getByRole('button', { name: 'New level' }).first().click();
		dialog = page.getByRole('dialog', { name: 'New job level' });
		await dialog.getByLabel('Name').fill('Senior');
		await dialog.getByLabel('Rank').fill('3');
		await dialog.getByLabel('Band from').fill('95000');
		await dialog.getByLabel('Band up to').fill('70000');
		await dialog.getByLabel('Currency').fill('EUR');
		await dialog.getByRole('button', { name: 'Add level' }).click();
		await dialog.getByText('The band maximum must be at least the minimum').waitFor();
		await dialog.getByLabel('Band from').fill('70000');
		await dialog.getByLabel('Band up to').fill('95000');
		await dialog.getByRole('button', { name: 'Add level' }).click();
		await dialog.waitFor({ state: 'detached' });
		await page
			.locator('[data-testid="level-row"][data-name="Senior"]')
			.getByText('€70,000 – €95,000')
			.filter({ visible: true })
			.waitFor();

		// A workflow for Engineering: the tech lead, then the department head.
		await tabs.getByRole('link', { name: 'Approval workflows' }).click();
		await page.getByRole('heading', { name: 'Approval workflows', level: 1 }).waitFor();
		await page.getByRole('link', { name: 'New workflow' }).click();
		await page.getByRole('heading', { name: 'New approval workflow', level: 1 }).waitFor();
		await page.getByLabel('Name', { exact: true }).fill('Engineering hires');
		await page.getByLabel('Department').selectOption({ label: 'Engineering' });
		await page.getByLabel('Step 1 name').fill('Tech lead');
		await page.getByLabel('Who must approve').selectOption('all');
		await page.getByLabel('Approver 1 of step 1', { exact: true }).selectOption('user');
		// No person chosen yet: the schema says so on that approver.
		await page.getByRole('button', { name: 'Create workflow' }).click();
		await page.getByText('Choose a user').waitFor();
		await page.getByLabel('Person').selectOption({ label: 'Alan Turing (Approver)' });
		await page.getByRole('button', { name: 'Add a step' }).click();
		await page.getByLabel('Step 2 name').fill('Head of department');
		await page.getByLabel('Approver 1 of step 2', { exact: true }).selectOption('department_head');
		await page.getByRole('button', { name: 'Create workflow' }).click();
		await page.waitForURL((url) => url.pathname === '/admin/workflows');
		await page.getByTestId('admin-banner').getByText('“Engineering hires” was saved.').waitFor();
		const card = page.locator('[data-testid="workflow-card"][data-name="Engineering hires"]');
		await card.getByText('For Engineering and below').waitFor();
		await card.getByText('— Alan Turing').waitFor();
		await card.getByText('— the department head').waitFor();

		// The workflow decides: a Backend requirement asks the tech lead first.
		const departments = await hm.api.get('/departments');
		const backend = departments.body.data.items.find((d: { name: string }) => d.name === 'Backend');
		const requirement = await hm.api.post('/requirements', {
			title: 'Backend Engineer',
			department_id: backend.id,
			headcount: 1,
			employment_type: 'full_time',
			remote_policy: 'remote'
		});
		expect((await hm.api.post(`/requirements/${requirement.body.data.id}/submit`, {})).status).toBe(200);
		const pending = await lead.api.get('/approvals/pending');
		expect(pending.body.data.items.map((a: { step_name: string }) => a.step_name)).toEqual(['Tech lead']);
		expect((await head.api.get('/approvals/pending')).body.data.items).toEqual([]);

		// The admin sees everyone's approvals and rejects on the tech lead's behalf; a rejection
		// needs a reason.
		await page.goto('/approvals');
		await page.getByText('Nothing waits for you').waitFor();
		await page.getByRole('navigation', { name: 'Whose approvals' }).getByRole('link', { name: 'Everyone’s' }).click();
		const item = page.getByTestId('approval-item').filter({ hasText: 'Backend Engineer' });
		await item.getByText('Waits for Alan Turing').waitFor();
		await item.getByRole('button', { name: 'Reject Backend Engineer' }).click();
		const decision = page.getByRole('dialog', { name: 'Reject: Backend Engineer' });
		await decision.getByText('On behalf of Alan Turing').waitFor();
		await decision.getByRole('button', { name: 'Reject', exact: true }).click();
		await decision.getByText('Say why you reject it').waitFor();
		await expect(decision.getByLabel('Why do you reject it?').getAttribute('aria-invalid')).resolves.toBe('true');
		await decision.getByLabel('Why do you reject it?').fill('Hiring freeze in Backend until Q3.');
		await decision.getByRole('button', { name: 'Reject', exact: true }).click();
		await decision.waitFor({ state: 'detached' });
		await page.getByTestId('approvals-banner').getByText('Rejected “Backend Engineer”').waitFor();
		const chain = await hm.api.get(`/requirements/${requirement.body.data.id}/approvals`);
		const decided = chain.body.data.rounds[0].steps[0].approvals[0];
		expect(decided).toMatchObject({ status: 'rejected', on_behalf: true, decided_by_name: 'Ada Admin' });
		expect(decided.comment).toBe('Hiring freeze in Backend until Q3.');

		expect(desktop.problems).toEqual([]);
	});

	it('fits a phone screen: requirements, a requirement, approvals', async () => {
		const page = phone.page;
		const departments = await hm.api.get('/departments');
		const created = await hm.api.post('/requirements', {
			title: 'Principal Engineer for the Payments and Settlements Platform',
			department_id: departments.body.data.items[0].id,
			headcount: 2,
			employment_type: 'full_time',
			remote_policy: 'hybrid',
			location_city: 'Frankfurt am Main',
			location_country: 'DE',
			salary_min: 120000,
			salary_max: 150000,
			currency: 'EUR',
			must_have_skills: ['Distributed systems', 'PostgreSQL', 'Kotlin']
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		const fits = async (where: string) => {
			const { scrollWidth, innerWidth } = await horizontalExtent(page);
			expect(scrollWidth, `${where}: ${scrollWidth} > ${innerWidth}`).toBeLessThanOrEqual(innerWidth);
		};
		await page.goto('/requirements');
		await page.getByTestId('requirement-row').first().waitFor();
		await fits('requirements');
		await page.getByRole('link', { name: 'Principal Engineer for the Payments and Settlements Platform' }).click();
		await page.getByTestId('requirement-details').waitFor();
		await page.locator('[data-testid="collab-status"][data-synced="true"]').waitFor();
		await fits('a requirement');
		await page.getByText('Field history').click();
		await page.getByTestId('history-entry').first().waitFor();
		await fits('a requirement with its history');
		await page.goto('/requirements/new');
		await page.getByLabel('Job title').waitFor();
		await fits('the requirement form');
		await page.goto('/approvals');
		await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
		await fits('approvals');
		// The bell is in the phone header.
		await page.getByTestId('notification-bell').filter({ visible: true }).click();
		await page.getByTestId('notification-panel').waitFor();
		await fits('the notifications panel');
		expect(phone.problems).toEqual([]);
	});

	it('assigns the departments a user works for on the users page, and back to the whole organisation', async () => {
		const page = desktop.page;
		const departments = await adminApi.get('/departments');
		const backend = (departments.body.data.items as Array<{ id: string; name: string }>).find(
			(d) => d.name === 'Backend'
		);
		expect(backend, 'the Backend department of the first test').toBeTruthy();
		await page.goto('/admin');
		const row = page.locator(`[data-testid="user-row"][data-email="${lead.email}"]`);
		const worksFor = row.getByTestId('user-departments');
		await expect(worksFor.innerText()).resolves.toContain('Whole organisation');

		await row.getByRole('button', { name: 'Departments of Alan Turing' }).click();
		let dialog = page.getByRole('dialog', { name: 'Departments of Alan Turing' });
		await dialog.getByLabel('Backend', { exact: true }).check();
		await dialog.getByTestId('departments-summary').getByText('1 department (and those under them)').waitFor();
		await page.screenshot({ path: 'test-results/admin-user-departments.png' });
		await dialog.getByRole('button', { name: 'Save departments' }).click();
		await dialog.waitFor({ state: 'detached' });
		await page.getByTestId('admin-banner').getByText('Alan Turing now works for Engineering › Backend.').waitFor();
		await expect.poll(() => worksFor.innerText()).toContain('Engineering › Backend');
		await page.screenshot({ path: 'test-results/admin-users-works-for.png' });
		expect((await adminApi.get(`/users/${lead.id}`)).body.data.department_ids).toEqual([backend!.id]);

		// Cleared: the whole organisation again.
		await row.getByRole('button', { name: 'Departments of Alan Turing' }).click();
		dialog = page.getByRole('dialog', { name: 'Departments of Alan Turing' });
		await expect(dialog.getByLabel('Backend', { exact: true }).isChecked()).resolves.toBe(true);
		await dialog.getByRole('button', { name: 'Whole organisation' }).click();
		await dialog.getByTestId('departments-summary').getByText('Whole organisation').waitFor();
		await dialog.getByRole('button', { name: 'Save departments' }).click();
		await dialog.waitFor({ state: 'detached' });
		await page.getByTestId('admin-banner').getByText('Alan Turing now works for the whole organisation.').waitFor();
		await expect.poll(() => worksFor.innerText()).toContain('Whole organisation');
		expect((await adminApi.get(`/users/${lead.id}`)).body.data.department_ids).toEqual([]);
		expect(desktop.problems).toEqual([]);
	});
});
