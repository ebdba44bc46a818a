import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningProcess } from '../helpers/app';
import { launchBrowser, signIn, startAppForBrowser, type BrowserSession } from '../helpers/browser';
import { createUser, PASSWORD, registerAdmin } from '../helpers/org';

type Client = Awaited<ReturnType<typeof createUser>>['api'];

/** The visible status indicator (desktop sidebar or phone header). */
const status = (page: Page) => page.locator('[data-testid="connection-status"]:visible');

const pending = (page: Page) => status(page).getAttribute('data-pending');

describe('offline outbox: writes made offline reach the server once, conflicts are listed', () => {
	let app: RunningProcess;
	let browser: BrowserSession;
	let hm: Client;
	let admin: Client;
	let id: string;
	const writes: string[] = [];

	beforeAll(async () => {
		app = await startAppForBrowser();
		const owner = await registerAdmin(app.url);
		admin = owner.api;
		const manager = await createUser(app.url, admin, 'hiring_manager', 'Hedy Lamarr');
		hm = manager.api;
		const department = await admin.post('/departments', { name: 'Platform' });
		const created = await hm.post('/requirements', {
			title: 'Site Reliability Engineer',
			department_id: department.body.data.id,
			headcount: 1,
			employment_type: 'full_time',
			remote_policy: 'onsite',
			location_city: 'Oslo'
		});
		expect(created.status).toBe(201);
		id = created.body.data.id;
		browser = await launchBrowser({ baseURL: app.url });
		await signIn(browser.page, manager.email, PASSWORD);
		browser.page.on('request', (request) => {
			if (request.url().includes(`/api/v1/requirements/${id}`) && request.method() === 'PATCH') {
				writes.push(request.headers()['idempotency-key'] ?? 'no key');
			}
		});
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	async function editCity(page: Page, city: string) {
		await page.goto(`/requirements/${id}/edit`);
		await page.getByRole('heading', { name: 'Edit requirement', level: 1 }).waitFor();
		await page.getByLabel('City').fill(city);
	}

	it('queues an update made offline, keeps it over a reload, and sends it exactly once when online', async () => {
		const { context, page } = browser;
		// One online visit of the pages, so that the service worker and the record cache have them.
		await page.goto(`/requirements/${id}`);
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
		await editCity(page, 'Oslo');

		await context.setOffline(true);
		await page.getByLabel('City').fill('Bergen');
		await page.getByRole('button', { name: 'Save changes' }).click();
		// Offline, the write never leaves the page: it is queued and the form moves on.
		await page.waitForURL(`**/requirements/${id}`, { timeout: 10_000 }).catch(() => {});
		expect(writes).toEqual([]);

		// A real load with no network: the page comes from the service worker, the outbox from IndexedDB.
		await page.goto(`/requirements/${id}`);
		await expect.poll(() => status(page).getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
		await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('1');
		await expect.poll(() => pending(page), { timeout: 15_000 }).toBe('1');
		await status(page).click();
		await expect(page.getByTestId('sync-pending-entry').first().innerText()).resolves.toContain(
			`PATCH /requirements/${id}`
		);
		expect((await hm.get(`/requirements/${id}`)).body.data.location_city).toBe('Oslo');

		await context.setOffline(false);
		await expect.poll(() => pending(page), { timeout: 20_000 }).toBe('0');
		const saved = await hm.get(`/requirements/${id}`);
		expect(saved.body.data.location_city).toBe('Bergen');
		expect(saved.body.data.version).toBe(2);
		const history = await hm.get(`/requirements/${id}/history`);
		const items = (history.body.data.items ?? history.body.data) as Array<{
			changes: Array<{ field: string; to: unknown }>;
		}>;
		const cityChanges = items.filter((e) =>
			e.changes?.some((c) => /location_?city/i.test(c.field) && c.to === 'Bergen')
		);
		expect(cityChanges).toHaveLength(1);
		// Every attempt carried one and the same key.
		expect(writes.length).toBeGreaterThanOrEqual(1);
		expect(new Set(writes).size).toBe(1);
	});

	it('lists a same-field conflict with both values; keep mine re-sends on the current version', async () => {
		const { context, page } = browser;
		await editCity(page, 'Bergen');
		await context.setOffline(true);
		await page.getByLabel('City').fill('Trondheim');
		await page.getByRole('button', { name: 'Save changes' }).click();
		await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('1');

		// Someone else changes the same field online meanwhile.
		const current = (await admin.get(`/requirements/${id}`)).body.data;
		const other = await admin.patch(`/requirements/${id}`, { location_city: 'Stavanger', version: current.version });
		expect(other.status).toBe(200);

		await context.setOffline(false);
		await expect.poll(() => status(page).getAttribute('data-conflicts'), { timeout: 20_000 }).toBe('1');
		expect((await hm.get(`/requirements/${id}`)).body.data.location_city).toBe('Stavanger');
		if (!(await page.getByTestId('sync-panel').isVisible())) await status(page).click();
		const conflict = page.locator('[data-testid="sync-conflict"][data-field="location_city"]');
		await expect(conflict.getByTestId('conflict-mine').innerText()).resolves.toBe('Trondheim');
		await expect(conflict.getByTestId('conflict-theirs').innerText()).resolves.toBe('Stavanger');

		await conflict.getByRole('button', { name: 'Keep mine' }).click();
		await expect
			.poll(async () => (await hm.get(`/requirements/${id}`)).body.data.location_city, { timeout: 20_000 })
			.toBe('Trondheim');
		await expect.poll(() => status(page).getAttribute('data-conflicts')).toBe('0');
	});

	it('lists a write the server refuses with its reason', async () => {
		const { context, page } = browser;
		await editCity(page, 'Trondheim');
		await context.setOffline(true);
		await page.getByLabel('City').fill('Narvik');
		await page.getByRole('button', { name: 'Save changes' }).click();
		await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('1');
		// Meanwhile the requirement is deleted.
		const deleted = await admin.delete(`/requirements/${id}`);
		expect(deleted.status).toBe(200);

		await context.setOffline(false);
		await expect.poll(() => status(page).getAttribute('data-conflicts'), { timeout: 20_000 }).toBe('1');
		if (!(await page.getByTestId('sync-panel').isVisible())) await status(page).click();
		const refused = page.locator('[data-testid="sync-conflict"][data-type="refused"]');
		await expect(refused.getByTestId('conflict-reason').innerText()).resolves.toMatch(/not found/i);
	});
});
