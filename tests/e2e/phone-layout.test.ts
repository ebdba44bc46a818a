import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiClient, type RunningProcess } from '../helpers/app';
import {
	horizontalExtent,
	launchBrowser,
	PHONE,
	signIn,
	startAppForBrowser,
	type BrowserSession
} from '../helpers/browser';

const ADMIN = { name: 'Margaret Hamilton', email: 'margaret@example.com', password: 'priority-displays-1969' };

/** Nothing on the page may be wider than the phone: no sideways scrolling. */
async function expectNoHorizontalOverflow(page: Page, where: string) {
	const { scrollWidth, innerWidth } = await horizontalExtent(page);
	expect(innerWidth, where).toBe(PHONE.width);
	expect(scrollWidth, `${where}: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`).toBeLessThanOrEqual(
		innerWidth
	);
}

describe('the app on a phone-width screen', () => {
	let app: RunningProcess;
	let phone: BrowserSession;

	beforeAll(async () => {
		app = await startAppForBrowser();
		const registered = await apiClient(app.url).post('/auth/register', ADMIN);
		expect(registered.status).toBe(201);
		// Enough people for a second page, some with long names and e-mail addresses.
		const api = apiClient(app.url, registered.body.data.token);
		const people = Array.from({ length: 23 }, (_, i) => ({
			name: i % 5 === 0 ? `Maximiliane Alexandra von Hohenzollern-Sigmaringen ${i}` : `Person Number ${i}`,
			email:
				i % 5 === 0
					? `maximiliane.alexandra.von.hohenzollern.sigmaringen.${i}@a-very-long-company-domain.example.com`
					: `person${i}@example.com`,
			password: 'a-long-enough-password',
			role: i % 2 ? 'interviewer' : 'hiring_manager'
		}));
		for (const person of people) {
			const created = await api.post('/users', person);
			expect(created.status).toBe(201);
		}
		phone = await launchBrowser({ baseURL: app.url, viewport: PHONE });
		await signIn(phone.page, ADMIN.email, ADMIN.password);
	});

	afterAll(async () => {
		await phone?.close();
		await app?.stop();
	});

	it('renders the dashboard and the users admin without sideways scrolling', async () => {
		const { page } = phone;

		// Dashboard: the sidebar is folded into a menu drawer.
		await page.locator('[data-testid="collab-status"][data-synced="true"]').waitFor();
		await expectNoHorizontalOverflow(page, 'dashboard');
		await expect(page.getByRole('navigation', { name: 'Main' }).isVisible()).resolves.toBe(false);

		await page.getByRole('button', { name: 'Open menu' }).click();
		const drawer = page.getByRole('dialog', { name: 'Navigation' });
		await drawer.waitFor();
		await expectNoHorizontalOverflow(page, 'dashboard with the menu open');
		await page.keyboard.press('Escape');
		await drawer.waitFor({ state: 'detached' });

		// The drawer's links navigate and close it.
		await page.getByRole('button', { name: 'Open menu' }).click();
		await drawer.getByRole('link', { name: 'Admin' }).click();
		await page.waitForURL((url) => url.pathname === '/admin');
		await drawer.waitFor({ state: 'detached' });

		// Users admin, first page of two.
		await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
		await expect(page.getByTestId('user-row').count()).resolves.toBe(20);
		await expect(page.getByTestId('pagination-summary').innerText()).resolves.toContain('1–20 of 24');
		await expectNoHorizontalOverflow(page, 'admin');

		await page.getByRole('link', { name: 'Next' }).click();
		await page.waitForURL((url) => url.searchParams.get('page') === '2');
		await expect.poll(() => page.getByTestId('user-row').count()).toBe(4);
		await expectNoHorizontalOverflow(page, 'admin, page 2');

		// Search narrows the list and keeps fitting.
		await page.getByLabel('Search users').fill('hohenzollern');
		await page.getByRole('button', { name: 'Search' }).click();
		await page.waitForURL((url) => url.searchParams.get('q') === 'hohenzollern');
		await expect.poll(() => page.getByTestId('user-row').count()).toBe(5);
		await expectNoHorizontalOverflow(page, 'admin, searched');

		// The create form opens as a sheet that fits the screen.
		await page.getByRole('button', { name: 'New user' }).click();
		await page.getByRole('dialog', { name: 'New user' }).waitFor();
		await expectNoHorizontalOverflow(page, 'admin with the create sheet');
		await page.keyboard.press('Escape');

		await page.goto('/account');
		await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
		await expectNoHorizontalOverflow(page, 'account');

		await page.goto('/no-such-page');
		await page.getByRole('heading', { name: 'This page does not exist' }).waitFor();
		await expectNoHorizontalOverflow(page, '404');

		expect(phone.problems).toEqual([]);
	});
});
