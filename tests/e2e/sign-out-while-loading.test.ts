import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { registerFirstAdmin, type RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';

const OWNER = { name: 'Ada Lovelace', email: 'ada@example.com', password: 'analytical-engine-1843' };

/** How long after the dashboard starts loading each sign-out comes, in ms. */
const DELAYS = [0, 15, 30, 50, 80, 120, 170, 250, 350, 500];

const databaseNames = (page: Page) =>
	page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? ''));

/*
 * Signing out closes and deletes the user's record cache, outbox and documents while the page may
 * still be writing to them: the dashboard's answers, the offline kit, the outbox's counts. CI
 * caught one such write as an uncaught `DatabaseClosedError` (a minified class: "pageerror: r").
 * Signing out at every moment of the page's start must end that work quietly and leave nothing
 * of the user behind.
 */
describe('signing out while the page is still loading its offline data', () => {
	let app: RunningProcess;
	let owner: Awaited<ReturnType<typeof registerFirstAdmin>>;
	let browser: BrowserSession;

	beforeAll(async () => {
		app = await startAppForBrowser();
		owner = await registerFirstAdmin(app.url, OWNER);
		browser = await launchBrowser({ baseURL: app.url });
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('raises no error and leaves none of the user’s databases, however early it comes', async () => {
		const { page } = browser;
		await signIn(page, OWNER.email, OWNER.password);
		for (const delay of DELAYS) {
			await page.goto('/', { waitUntil: 'commit' });
			await page.waitForTimeout(delay);
			await page.getByRole('button', { name: 'Sign out' }).click();
			await page.waitForURL((url) => url.pathname === '/login');
			const left = (await databaseNames(page)).filter((name) => name.includes(owner.user.id));
			expect(left, `signed out ${delay} ms after the page started`).toEqual([]);
			await signIn(page, OWNER.email, OWNER.password);
		}
		expect(browser.problems).toEqual([]);
	});
});
