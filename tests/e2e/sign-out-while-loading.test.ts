import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { registerFirstAdmin, type RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';

const OWNER = { name: 'Ada Lovelace', email: 'ada@example.com', password: 'analytical-engine-1843' };

/**
 * How long after the dashboard starts loading each sign-out comes, in ms. The offline kit starts
 * 1.5 s after the page's load event (KIT_START_DELAY_MS): the last ones land while it runs.
 */
const DELAYS = [0, 15, 30, 50, 80, 120, 170, 250, 350, 500, 1800, 2000, 2200, 2500];

/** The Set-Cookie header of the next sign-out's answer. */
const signOutMark = (page: Page): Promise<string> =>
	page
		.waitForResponse((r) => new URL(r.url()).pathname === '/logout' && r.request().method() === 'POST')
		.then(async (r) =>
			(await r.headersArray())
				.filter((h) => h.name.toLowerCase() === 'set-cookie')
				.map((h) => h.value)
				.join('\n')
		);

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
			// A click before the page has hydrated posts the form natively: then the sign-in page
			// clears what is left (offline/server-sign-out.ts), just after it has loaded.
			await expect
				.poll(async () => (await databaseNames(page)).filter((name) => name.includes(owner.user.id)), {
					message: `signed out ${delay} ms after the page started`,
					timeout: 5_000
				})
				.toEqual([]);
			await signIn(page, OWNER.email, OWNER.password);
		}
		expect(browser.problems).toEqual([]);
	});

	it('a sign-out posted before the page has any script still clears the user’s data (on the next page)', async () => {
		// A browser of its own without a service worker, which would otherwise serve the scripts
		// that the route below holds back.
		const bare = await launchBrowser({ baseURL: app.url, serviceWorkers: 'block' });
		try {
			const { page } = bare;
			await signIn(page, OWNER.email, OWNER.password);
			// The dashboard's answers are in this user's record cache.
			await expect
				.poll(async () => (await databaseNames(page)).filter((n) => n.includes(owner.user.id)).length)
				.toBeGreaterThan(0);
			// A page whose scripts never arrive: its sign-out button posts the form itself.
			await page.route('**/_app/immutable/**', (route) => route.abort());
			await page.goto('/');
			await page.unroute('**/_app/immutable/**');
			const marked = signOutMark(page);
			await page.getByRole('button', { name: 'Sign out' }).click();
			await page.waitForURL((url) => url.pathname === '/login');
			expect(await marked, 'the sign-out action marks the user for clearing').toContain(
				`hh_signed_out=${owner.user.id}`
			);
			await expect
				.poll(async () => (await databaseNames(page)).filter((name) => name.includes(owner.user.id)), {
					timeout: 10_000
				})
				.toEqual([]);
			// The mark was used once: gone, so signing in again keeps the new data.
			expect((await bare.context.cookies()).filter((c) => c.name === 'hh_signed_out')).toEqual([]);
			await signIn(page, OWNER.email, OWNER.password);
			await expect
				.poll(async () => (await databaseNames(page)).filter((n) => n.includes(owner.user.id)).length)
				.toBeGreaterThan(0);
			// Only the scripts this test held back failed.
			expect(bare.problems.filter((p) => !p.includes('Failed to fetch dynamically imported module'))).toEqual([]);
		} finally {
			await bare.close();
		}
	});

	it('a sign-out through the page’s own handler clears first and leaves no mark for the next page', async () => {
		const { page } = browser;
		await page.goto('/');
		if (new URL(page.url()).pathname === '/login') await signIn(page, OWNER.email, OWNER.password);
		// The page has run its scripts (the offline kit is in), so its handler takes the sign-out.
		await page.waitForFunction(() => document.documentElement.dataset.offlineKit !== undefined, undefined, {
			timeout: 30_000
		});
		const unmarked = signOutMark(page);
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.waitForURL((url) => url.pathname === '/login');
		expect(await unmarked).not.toContain('hh_signed_out');
		expect((await databaseNames(page)).filter((name) => name.includes(owner.user.id))).toEqual([]);
		expect(browser.problems).toEqual([]);
	});
});
