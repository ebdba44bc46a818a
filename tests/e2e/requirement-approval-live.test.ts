import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';
import { createUser, PASSWORD, registerAdmin } from '../helpers/org';

const TITLE = 'Staff Platform Engineer';

/** Puts a marker on the page's window: if it is still there later, the page was not reloaded. */
async function markPage(page: Page) {
	await page.evaluate(() => Object.assign(window, { __notReloaded: true }));
}
async function stillSamePage(page: Page): Promise<boolean> {
	return page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded === true);
}

/** The unread count on the visible bell (0 when the badge is absent). */
async function unreadCount(page: Page): Promise<number> {
	const badge = page.getByTestId('unread-count').filter({ visible: true });
	if ((await badge.count()) === 0) return 0;
	return Number(await badge.innerText());
}

describe('a requirement goes from the hiring manager to an approver and back, live', () => {
	let app: RunningProcess;
	let manager: BrowserSession;
	let approver: BrowserSession;
	let managerEmail: string;
	let approverEmail: string;

	beforeAll(async () => {
		app = await startAppForBrowser();
		const admin = await registerAdmin(app.url);
		const hm = await createUser(app.url, admin.api, 'hiring_manager', 'Hedy Lamarr');
		const lead = await createUser(app.url, admin.api, 'approver', 'Alan Turing');
		managerEmail = hm.email;
		approverEmail = lead.email;
		const department = await admin.api.post('/departments', { name: 'Platform' });
		expect(department.status).toBe(201);
		const level = await admin.api.post('/job-levels', {
			name: 'Staff',
			rank: 5,
			salary_min: 100000,
			salary_max: 140000,
			currency: 'EUR'
		});
		expect(level.status).toBe(201);
		const workflow = await admin.api.post('/approval-workflows', {
			name: 'Platform hires',
			subject_type: 'requirement',
			department_id: department.body.data.id,
			steps: [{ name: 'Tech lead', approvers: [{ type: 'user', userId: lead.id }], rule: 'any' }]
		});
		expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);

		[manager, approver] = await Promise.all([launchBrowser({ baseURL: app.url }), launchBrowser({ baseURL: app.url })]);
		await Promise.all([signIn(manager.page, managerEmail, PASSWORD), signIn(approver.page, approverEmail, PASSWORD)]);
	});

	afterAll(async () => {
		await Promise.all([manager?.close(), approver?.close()]);
		await app?.stop();
	});

	it('the manager creates and submits; the approver sees it arrive and approves; the manager is told', async () => {
		const hm = manager.page;
		const lead = approver.page;

		// The approver keeps the inbox open from the start.
		await lead.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
		await lead.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
		await lead.getByText('Nothing waits for you').waitFor();
		await markPage(lead);

		// The manager writes the request in the form.
		await hm.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Requirements' }).click();
		await hm.getByRole('link', { name: 'New requirement' }).first().click();
		await hm.getByRole('heading', { name: 'New requirement', level: 1 }).waitFor();
		await hm.getByLabel('Job title').fill(TITLE);
		await hm.getByLabel('Department').selectOption({ label: 'Platform' });
		await hm.getByLabel('Job level').selectOption({ label: 'Staff (€100,000 – €140,000)' });
		// Choosing a level with a band shows it and suggests its currency.
		await hm.getByText('Salary band of Staff: €100,000 – €140,000').waitFor();
		await expect(hm.getByLabel('Currency').inputValue()).resolves.toBe('EUR');
		await hm.getByLabel('Headcount').fill('2');
		await hm.getByRole('radio', { name: 'Hybrid' }).check();
		await hm.getByLabel('City').fill('Vienna');
		await hm.getByLabel('Country').fill('at');
		await hm.getByLabel('Salary from').fill('105,000');
		await hm.getByLabel('Salary up to').fill('130000');
		await hm.getByLabel('Target start date').fill('2027-04-01');
		await hm.getByLabel('Justification').fill('The platform team takes over the billing systems.');
		const mustHave = hm.getByRole('textbox', { name: 'Must-have skills' });
		await mustHave.fill('Kubernetes');
		await mustHave.press('Enter');
		await mustHave.fill('Go, PostgreSQL');
		await mustHave.press('Enter');
		await hm.getByRole('button', { name: 'Remove Go' }).waitFor();
		await hm.getByRole('button', { name: 'Create draft' }).click();

		await hm.waitForURL(/\/requirements\/[0-9a-f-]{36}$/);
		await hm.getByRole('heading', { name: TITLE, level: 1 }).waitFor();
		await hm.getByTestId('requirement-banner').getByText('Draft saved').waitFor();
		const details = hm.getByTestId('requirement-details');
		await details.getByText('Vienna, AT').waitFor();
		await details.getByText('€105,000 – €130,000').waitFor();
		await details.getByText('Kubernetes').waitFor();
		await details.getByText('PostgreSQL').waitFor();
		await expect(hm.getByTestId('requirement-status').innerText()).resolves.toContain('Draft');
		const requirementUrl = hm.url();
		expect(await unreadCount(hm)).toBe(0);

		await hm.getByRole('button', { name: 'Submit for approval' }).click();
		await hm.getByTestId('requirement-banner').getByText('Submitted').waitFor();
		await expect.poll(() => hm.getByTestId('requirement-status').innerText()).toContain('Pending approval');
		await hm.getByTestId('approval-step').first().getByText('Alan Turing').waitFor();
		await markPage(hm);

		// The inbox shows it without a reload, with the count beside "Approvals".
		const item = lead.getByTestId('approval-item').filter({ hasText: TITLE });
		await item.waitFor({ timeout: 15_000 });
		await expect(item.innerText()).resolves.toContain('Tech lead');
		await lead.getByTestId('approvals-count').filter({ visible: true }).getByText('1').waitFor();
		expect(await stillSamePage(lead)).toBe(true);

		// Approving asks for an optional comment.
		await item.getByRole('button', { name: `Approve ${TITLE}` }).click();
		const dialog = lead.getByRole('dialog', { name: `Approve: ${TITLE}` });
		await dialog.waitFor();
		await dialog.getByLabel('Comment (optional)').fill('Budget confirmed.');
		await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
		await dialog.waitFor({ state: 'detached' });
		await lead
			.getByTestId('approvals-banner')
			.getByText(`Approved “${TITLE}”. That was the last step: the requirement is approved.`)
			.waitFor();
		await lead.getByText('Nothing waits for you').waitFor();

		// The manager's bell counts it at once, and the open page shows the new status.
		await expect.poll(() => unreadCount(hm), { timeout: 15_000 }).toBe(1);
		await expect
			.poll(() => hm.getByTestId('requirement-status').innerText(), { timeout: 15_000 })
			.toContain('Approved');
		await hm.getByTestId('approval-decision').filter({ hasText: 'Alan Turing' }).getByText('Approved').waitFor();
		await hm.getByTestId('requirement-activity').getByText('Budget confirmed.').waitFor();
		expect(await stillSamePage(hm)).toBe(true);
		expect(hm.url()).toBe(requirementUrl);

		// The bell lists it; following it marks it read.
		await hm.getByTestId('notification-bell').filter({ visible: true }).click();
		const panel = hm.getByTestId('notification-panel');
		const notification = panel.getByTestId('notification-item').filter({ hasText: `Approved: ${TITLE}` });
		await notification.waitFor();
		await expect(notification.getAttribute('data-unread')).resolves.toBe('true');
		await notification.getByRole('link').click();
		await panel.waitFor({ state: 'detached' });
		await expect.poll(() => unreadCount(hm)).toBe(0);

		// The manager opens it for recruiting; now it can be published.
		await hm.getByRole('button', { name: 'Open for recruiting' }).click();
		await expect.poll(() => hm.getByTestId('requirement-status').innerText()).toContain('Open');
		await hm.getByRole('button', { name: 'Publish on the careers page' }).click();
		await hm.getByRole('link', { name: /View the public posting/ }).waitFor();
		const posting = await hm.getByRole('link', { name: /View the public posting/ }).getAttribute('href');
		const publicPage = await fetch(`${app.url}${posting}`);
		expect(publicPage.status).toBe(200);
		expect(await publicPage.text()).toContain(TITLE);

		expect(manager.problems).toEqual([]);
		expect(approver.problems).toEqual([]);
	});
});
