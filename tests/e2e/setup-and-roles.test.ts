import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';

const ADMIN = { name: 'Ada Lovelace', email: 'ada@example.com', password: 'analytical-engine-1843' };
const RECRUITER = { name: 'Grace Hopper', email: 'grace@example.com', password: 'compiler-cobol-1959' };
const NEW_PASSWORD = 'nanoseconds-are-wires';

/** The main navigation's links, by name. */
async function navigationLinks(page: Page): Promise<string[]> {
	const nav = page.getByRole('navigation', { name: 'Main' });
	return (await nav.getByRole('link').allInnerTexts()).map((text) => text.trim());
}

describe('first run, users admin and roles in the browser', () => {
	let app: RunningProcess;
	let browser: BrowserSession;

	beforeAll(async () => {
		app = await startAppForBrowser();
		browser = await launchBrowser({ baseURL: app.url });
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('sets up the first account, creates a recruiter, and the recruiter is kept out of admin', async () => {
		const { page } = browser;

		// Any page leads to the first-run setup while no account exists.
		await page.goto('/');
		await expect.poll(() => new URL(page.url()).pathname).toBe('/setup');
		await expect(page.getByRole('heading', { name: 'Welcome to Hiring Hare' }).isVisible()).resolves.toBe(true);

		// The server validates: a short password is refused with a message on the field.
		await page.getByLabel('Your name').fill(ADMIN.name);
		await page.getByLabel('Work e-mail').fill(ADMIN.email);
		await page.getByLabel('Password', { exact: true }).fill('short');
		await page.getByRole('button', { name: /create account/i }).click();
		await page.getByText('Password must be at least 12 characters').waitFor();
		await expect(page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
		// Focus moves to the field at fault, so its message is announced.
		await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('field-password');

		await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
		await page.getByRole('button', { name: /create account/i }).click();
		await page.waitForURL((url) => url.pathname === '/');
		await page.getByRole('heading', { name: 'Welcome back, Ada' }).waitFor();
		expect(await navigationLinks(page)).toEqual([
			'Dashboard',
			'Requirements',
			'Approvals',
			'Candidates',
			'Interviews',
			'Offers',
			'Reports',
			'Admin'
		]);

		// Users admin.
		await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
		await page.waitForURL((url) => url.pathname === '/admin');
		await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
		await expect(page.locator(`[data-testid="user-row"][data-email="${ADMIN.email}"]`).count()).resolves.toBe(1);

		// Create: client-side checks first…
		await page.getByRole('button', { name: 'New user' }).click();
		const dialog = page.getByRole('dialog', { name: 'New user' });
		await dialog.waitFor();
		await dialog.getByRole('button', { name: 'Create user' }).click();
		await dialog.getByText('Name is required').waitFor();
		await dialog.getByText('Enter a valid e-mail address').waitFor();
		await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('field-name');

		// …then the API's field errors (`details`) land on the field they are about.
		await dialog.getByLabel('Full name').fill(RECRUITER.name);
		await dialog.getByLabel('E-mail').fill(ADMIN.email);
		await dialog.getByLabel('Initial password').fill(RECRUITER.password);
		await dialog.getByLabel('Role').selectOption('recruiter');
		await dialog.getByRole('button', { name: 'Create user' }).click();
		await dialog.locator('#field-email-error').getByText('A user with this e-mail already exists').waitFor();

		await dialog.getByLabel('E-mail').fill(RECRUITER.email);
		await dialog.getByRole('button', { name: 'Create user' }).click();
		await dialog.waitFor({ state: 'detached' });
		await page.getByRole('status').getByText(`${RECRUITER.name} was added as a Recruiter`).waitFor();
		const row = page.locator(`[data-testid="user-row"][data-email="${RECRUITER.email}"]`);
		await row.waitFor();
		await expect(row.getByLabel(`Role of ${RECRUITER.name}`).inputValue()).resolves.toBe('recruiter');

		// Sign out. A page that needs a session leads to sign-in and back to it afterwards.
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL((url) => url.pathname === '/login');
		await page.goto('/admin');
		await expect.poll(() => page.url()).toBe(`${app.url}/login?next=${encodeURIComponent('/admin')}`);

		// Sign in as the recruiter: back on /admin, which is refused, and no Admin entry.
		await page.getByLabel('E-mail').fill(RECRUITER.email);
		await page.getByLabel('Password', { exact: true }).fill(RECRUITER.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.waitForURL((url) => url.pathname === '/admin');
		await page.getByRole('heading', { name: 'You do not have access to this page' }).waitFor();
		await expect(page.getByTestId('current-user').innerText()).resolves.toBe(RECRUITER.name);

		const links = await navigationLinks(page);
		expect(links).toContain('Dashboard');
		expect(links).toContain('Candidates');
		expect(links).not.toContain('Admin');

		// Loaded directly, the admin page answers 403 too.
		const response = await page.goto('/admin');
		expect(response?.status()).toBe(403);
		await page.getByRole('heading', { name: 'You do not have access to this page' }).waitFor();
		await expect(page.getByTestId('error-status').innerText()).resolves.toBe('Error 403');
		await expect(page.getByTestId('user-row').count()).resolves.toBe(0);

		// An unknown address is the 404 page, still inside the app shell.
		const missing = await page.goto('/no-such-page');
		expect(missing?.status()).toBe(404);
		await page.getByRole('heading', { name: 'This page does not exist' }).waitFor();
		await page.getByRole('link', { name: 'Back to the dashboard' }).waitFor();

		expect(browser.problems).toEqual([]);
	});

	it('lets the recruiter change their own password under My account', async () => {
		const { page } = browser;
		await page.goto('/account');
		await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();

		// The name is theirs to change; the app shell follows.
		const nameField = page.getByLabel('Full name');
		await expect(nameField.inputValue()).resolves.toBe(RECRUITER.name);
		await nameField.fill('Rear Admiral Grace Hopper');
		await page.getByRole('button', { name: 'Save name' }).click();
		await page.getByRole('status').getByText('Your name was saved').waitFor();
		await expect.poll(() => page.getByTestId('current-user').innerText()).toBe('Rear Admiral Grace Hopper');
		await nameField.fill(RECRUITER.name);
		await page.getByRole('button', { name: 'Save name' }).click();
		await expect.poll(() => page.getByTestId('current-user').innerText()).toBe(RECRUITER.name);

		// A wrong current password is named on its field.
		await page.getByLabel('Current password').fill('not-the-password');
		await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
		await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
		await page.getByRole('button', { name: 'Change password' }).click();
		await page.locator('#field-current_password-error').waitFor();
		await expect(page.getByLabel('Current password').getAttribute('aria-invalid')).resolves.toBe('true');

		// A mismatch is caught before anything is sent.
		await page.getByLabel('Current password').fill(RECRUITER.password);
		await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD + '!');
		await page.getByRole('button', { name: 'Change password' }).click();
		await page.getByText('The two new passwords do not match').waitFor();

		await page.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
		await page.getByRole('button', { name: 'Change password' }).click();
		await page.getByTestId('password-result').getByText('Your password was changed').waitFor();
		await expect(page.getByLabel('Current password').inputValue()).resolves.toBe('');

		// This session stays valid…
		await page.goto('/');
		await page.getByRole('heading', { name: 'Welcome back, Grace' }).waitFor();

		// …and from now on only the new password signs in.
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL((url) => url.pathname === '/login');
		await page.getByLabel('E-mail').fill(RECRUITER.email);
		await page.getByLabel('Password', { exact: true }).fill(RECRUITER.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByRole('alert').getByText('Invalid e-mail or password').waitFor();
		await signIn(page, RECRUITER.email, NEW_PASSWORD);
		await expect(page.getByTestId('current-user').innerText()).resolves.toBe(RECRUITER.name);

		expect(browser.problems).toEqual([]);
	});

	it('lets an admin change a role, deactivate and reactivate a user', async () => {
		const { page } = browser;
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL((url) => url.pathname === '/login');
		await signIn(page, ADMIN.email, ADMIN.password);
		await page.goto('/admin');
		const row = page.locator(`[data-testid="user-row"][data-email="${RECRUITER.email}"]`);
		const banner = page.getByTestId('admin-banner');

		// Nobody manages their own account from here (no lock-out by accident).
		const own = page.locator(`[data-testid="user-row"][data-email="${ADMIN.email}"]`);
		await expect(own.getByRole('combobox').count()).resolves.toBe(0);
		await expect(own.getByRole('button').count()).resolves.toBe(0);

		// A role change is confirmed first; cancelling puts the select back.
		const roleSelect = row.getByLabel(`Role of ${RECRUITER.name}`);
		const roleConfirm = page.getByRole('alertdialog', { name: `Make ${RECRUITER.name} a Hiring manager?` });
		await roleSelect.selectOption('hiring_manager');
		await roleConfirm.getByRole('button', { name: 'Cancel' }).click();
		await roleConfirm.waitFor({ state: 'detached' });
		await expect(roleSelect.inputValue()).resolves.toBe('recruiter');

		await roleSelect.selectOption('hiring_manager');
		await roleConfirm.getByRole('button', { name: 'Change role' }).click();
		await roleConfirm.waitFor({ state: 'detached' });
		await banner.getByText(`${RECRUITER.name} is now a Hiring manager`).waitFor();
		await page.reload();
		await expect(row.getByLabel(`Role of ${RECRUITER.name}`).inputValue()).resolves.toBe('hiring_manager');

		// Deactivating asks first; cancelling changes nothing.
		await row.getByRole('button', { name: `Deactivate ${RECRUITER.name}` }).click();
		const confirm = page.getByRole('alertdialog', { name: `Deactivate ${RECRUITER.name}?` });
		await confirm.waitFor();
		await confirm.getByRole('button', { name: 'Cancel' }).click();
		await confirm.waitFor({ state: 'detached' });
		await row.getByText('Active', { exact: true }).filter({ visible: true }).waitFor();

		await row.getByRole('button', { name: `Deactivate ${RECRUITER.name}` }).click();
		await confirm.getByRole('button', { name: 'Deactivate' }).click();
		await confirm.waitFor({ state: 'detached' });
		await banner.getByText(`${RECRUITER.name} was deactivated`).waitFor();
		await row.getByText('Deactivated', { exact: true }).filter({ visible: true }).waitFor();

		// The status filter finds them.
		await page.getByLabel('Status').selectOption('false');
		await page.getByRole('button', { name: 'Search' }).click();
		await page.waitForURL((url) => url.searchParams.get('active') === 'false');
		await expect.poll(() => page.getByTestId('user-row').count()).toBe(1);

		// A deactivated account cannot sign in (checked from another browser)…
		const other = await launchBrowser({ baseURL: app.url });
		try {
			await other.page.goto('/login');
			await other.page.getByLabel('E-mail').fill(RECRUITER.email);
			await other.page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
			await other.page.getByRole('button', { name: 'Sign in' }).click();
			await other.page.getByRole('alert').getByText('Invalid e-mail or password').waitFor();

			// …until it is reactivated.
			await row.getByRole('button', { name: `Reactivate ${RECRUITER.name}` }).click();
			await banner.getByText(`${RECRUITER.name} was reactivated`).waitFor();
			await signIn(other.page, RECRUITER.email, NEW_PASSWORD);
			expect(other.problems).toEqual([]);
		} finally {
			await other.close();
		}
		expect(browser.problems).toEqual([]);
	});
});
