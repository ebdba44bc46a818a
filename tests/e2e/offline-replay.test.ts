import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Route } from 'playwright-core';
import { freePort } from '../helpers/app';
import { launchBrowser, signIn, type BrowserSession } from '../helpers/browser';
import { TEST_DATABASE_URL } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	sql,
	startApp,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { PASSWORD } from '../helpers/org';

/**
 * Replays of the offline outbox in Chromium under bad conditions (issue 6 parts 4, 5 and 7): the
 * connection cut in the middle of a replay, two users on one browser, a session that expired
 * while offline, and board moves that the server refuses when they arrive. Checked behind the
 * API, in Postgres.
 */

/** The visible status indicator (desktop sidebar or phone header). */
const status = (page: Page) => page.locator('[data-testid="connection-status"]:visible');
const pending = (page: Page) => status(page).getAttribute('data-pending');
const conflicts = (page: Page) => status(page).getAttribute('data-conflicts');
const cardOf = (page: Page, id: string) => page.locator(`[data-testid="board-card"][data-id="${id}"]`);

/** Names of the IndexedDB databases of the page's origin. */
const databaseNames = (page: Page) =>
	page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? '').sort());

/** The rows of one Dexie table of a database, read straight from IndexedDB (no app code). */
function readStore(page: Page, database: string, store: string): Promise<unknown[]> {
	return page.evaluate(
		([name, table]) =>
			new Promise<unknown[]>((resolve, reject) => {
				const open = indexedDB.open(name);
				open.onerror = () => reject(new Error(`cannot open ${name}`));
				open.onsuccess = () => {
					const db = open.result;
					if (!db.objectStoreNames.contains(table)) {
						db.close();
						resolve([]);
						return;
					}
					const all = db.transaction(table, 'readonly').objectStore(table).getAll();
					all.onsuccess = () => {
						db.close();
						resolve(all.result as unknown[]);
					};
					all.onerror = () => reject(new Error(`cannot read ${name}/${table}`));
				};
			}),
		[database, store] as const
	);
}

/** Opens a page of the app the way a link does (client-side routing: works with no network). */
async function follow(page: Page, href: string): Promise<void> {
	await page.evaluate((target) => {
		const link = document.createElement('a');
		link.href = target;
		link.hidden = true;
		document.querySelector('main')!.appendChild(link);
		link.click();
	}, href);
	await page.waitForURL((url) => url.pathname === href.split('?')[0]);
}

async function waitForWorker(page: Page): Promise<void> {
	await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
}

/**
 * Waits until the service worker keeps `userId`'s page data (what pages open offline with): its
 * pages cache names them as its owner (another user's pages are dropped first) and holds a data
 * request.
 */
async function waitForKeptPageData(page: Page, userId: string): Promise<void> {
	await page.waitForFunction(
		async (owner) => {
			for (const name of await caches.keys()) {
				if (!name.startsWith('hh-pages-')) continue;
				const cache = await caches.open(name);
				const stored = await cache.match('/__hh/pages-owner');
				if (!stored || (await stored.text()) !== owner) continue;
				if ((await cache.keys()).some((request) => request.url.includes('/__data.json'))) return true;
			}
			return false;
		},
		userId,
		{ timeout: 30_000, polling: 200 }
	);
}

describe.skipIf(!TEST_DATABASE_URL)(
	'offline replay in Chromium: cut connections, shared browsers, lost sessions',
	() => {
		let running: RunningApp;
		let org: Org;
		let requirementId: string;

		beforeAll(async () => {
			const port = await freePort();
			running = await startApp('postgres', { PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` });
			org = await createOrg(running);
			requirementId = (await openRequirement(org, 'Platform Engineer', { location_city: 'Oslo' })).id;
		});

		afterAll(async () => {
			await running?.close();
		});

		const rows = <T extends Record<string, any>>(text: string, params: unknown[] = []) =>
			sql<T>(running.database, text, params).then((r) => r ?? []);

		it('a replay cut in the middle (answers lost, network gone) creates nothing twice when retried', async () => {
			const browser = await launchBrowser({ baseURL: running.url });
			try {
				const { context, page } = browser;
				await signIn(page, org.recruiter.email, PASSWORD);
				const pavel = await createCandidate(org.recruiter, { name: 'Pavel Present', current_title: 'SRE' });
				// One online visit of the pages used offline below (in the app: the record cache keeps what
				// the pages' loads fetch in the browser).
				await waitForWorker(page);
				await follow(page, `/candidates/${pavel.id}`);
				await page.getByRole('heading', { name: 'Pavel Present', level: 1 }).waitFor();
				await follow(page, '/candidates/new');
				await page.getByLabel('Name', { exact: true }).waitFor();

				await context.setOffline(true);
				await page.getByLabel('Name', { exact: true }).fill('Olga Offline');
				await page.getByRole('button', { name: 'Create candidate' }).click();
				await page.waitForURL(/\/candidates\/tmp-/, { timeout: 15_000 });
				const tempId = new URL(page.url()).pathname.split('/').pop()!;
				await page.locator('#note-body').fill('Met her on the night train.');
				await page.getByRole('button', { name: 'Add note' }).click();
				await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('2');
				await page.locator('#add-requirement').selectOption(requirementId);
				await page.getByRole('button', { name: 'Add to requirement' }).click();
				await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('3');
				await follow(page, `/candidates/${pavel.id}`);
				await page.getByRole('button', { name: 'Edit details' }).click();
				await page.getByLabel('Current title').fill('Staff SRE');
				await page.getByRole('button', { name: 'Save changes' }).click();
				await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('4');
				const queued = (await readStore(page, `hh-outbox:${org.recruiter.id}`, 'entries')) as Array<{
					path: string;
					body: Record<string, unknown>;
				}>;
				expect(queued.map((e) => e.path)).toEqual([
					'/candidates',
					`/candidates/${tempId}/notes`,
					`/requirements/${requirementId}/applications`,
					`/candidates/${pavel.id}`
				]);
				expect(queued[2].body.candidate_id).toBe(tempId);
				expect(await rows(`select id from candidates where name = 'Olga Offline'`)).toEqual([]);

				// The replay, interfered with. The outbox sends its writes in batches (POST /offline/replay)
				// or alone; either way: the first attempt is processed by the server but its answer never
				// reaches the page (a half-finished attempt); the second is processed too and then the whole
				// network goes away before its answer arrives.
				const seen: string[] = [];
				let attempts = 0;
				let networkCut = false;
				await page.route('**/api/v1/**', async (route: Route) => {
					const request = route.request();
					if (request.method() === 'GET') return route.continue();
					const path = new URL(request.url()).pathname.replace('/api/v1', '');
					if (path === '/offline/replay') {
						const batch = JSON.parse(request.postData() ?? '{}') as {
							requests: Array<{ method: string; path: string; key: string }>;
						};
						for (const r of batch.requests) seen.push(`${r.method} ${r.path} ${r.key}`);
					} else seen.push(`${request.method()} ${path} ${request.headers()['idempotency-key'] ?? 'no key'}`);
					attempts++;
					if (attempts === 1) {
						const answer = await route.fetch();
						expect(answer.status()).toBeLessThan(300);
						return route.abort('connectionreset');
					}
					if (attempts === 2) {
						const answer = await route.fetch();
						expect(answer.status()).toBeLessThan(300);
						await route.abort('internetdisconnected');
						await context.setOffline(true);
						networkCut = true;
						return;
					}
					return route.continue();
				});
				await context.setOffline(false);
				// The outbox stops at the cut and keeps what it has no answer for; the server has the
				// candidate already.
				await expect.poll(() => networkCut, { timeout: 30_000 }).toBe(true);
				const [olga] = await rows<{ id: string }>(`select id from candidates where name = 'Olga Offline'`);
				expect(olga).toBeTruthy();
				await expect.poll(() => pending(page), { timeout: 10_000 }).not.toBe('0');
				const waiting = (await readStore(page, `hh-outbox:${org.recruiter.id}`, 'entries')) as Array<{
					id: string;
				}>;
				expect(waiting.length).toBeGreaterThanOrEqual(1);

				await context.setOffline(false);
				await expect
					.poll(() => pending(page), { timeout: 30_000 })
					.toBe('0')
					.catch(async (err: unknown) => {
						console.log(seen, JSON.stringify(await readStore(page, `hh-outbox:${org.recruiter.id}`, 'entries')));
						throw err;
					});
				expect(await status(page).getAttribute('data-conflicts')).toBe('0');
				expect(await readStore(page, `hh-outbox:${org.recruiter.id}`, 'entries')).toEqual([]);

				// Once each, in Postgres and in the audit log.
				expect(await rows(`select id from candidates where name = 'Olga Offline'`)).toHaveLength(1);
				expect(await rows(`select id from candidate_notes where candidate_id = $1`, [olga.id])).toHaveLength(1);
				const applications = await rows<{ id: string }>(
					`select id from applications where candidate_id = $1 and requirement_id = $2`,
					[olga.id, requirementId]
				);
				expect(applications).toHaveLength(1);
				const [present] = await rows<{ current_title: string; version: number }>(
					`select current_title, version from candidates where id = $1`,
					[pavel.id]
				);
				expect(present).toEqual({ current_title: 'Staff SRE', version: pavel.version + 1 });
				const audit = await rows<{ action: string; entity_id: string }>(
					`select action, entity_id from audit_log where actor_id = $1 and action in
				 ('candidate.created', 'candidate.note_added', 'application.created', 'candidate.updated')
				 and entity_id <> $2 order by created_at`,
					[org.recruiter.id, pavel.id]
				);
				expect(audit.map((a) => a.action)).toEqual([
					'candidate.created',
					'candidate.note_added',
					'application.created'
				]);
				const pavelAudit = await rows(
					`select id from audit_log where action = 'candidate.updated' and entity_id = $1`,
					[pavel.id]
				);
				expect(pavelAudit).toHaveLength(1);
				expect(audit[0].entity_id).toBe(olga.id);
				expect(audit[2].entity_id).toBe(applications[0].id);
				// The lost answers were asked again with the same keys (and answered from the stored ones).
				const keysOf = (prefix: string) =>
					new Set(seen.filter((s) => s.startsWith(prefix)).map((s) => s.split(' ').pop()));
				expect(seen.filter((s) => s.startsWith('POST /candidates ')).length).toBeGreaterThanOrEqual(2);
				expect(keysOf('POST /candidates ').size).toBe(1);
				expect(seen.filter((s) => s.includes('/applications ')).length).toBeGreaterThanOrEqual(2);
				expect(keysOf(`POST /requirements/${requirementId}/applications `).size).toBe(1);
				const keys = await rows<{ key: string; status_code: number }>(
					`select key, status_code from idempotency_keys where user_id = $1`,
					[org.recruiter.id]
				);
				expect(keys.filter((k) => k.status_code !== null).length).toBeGreaterThanOrEqual(4);
				expect(browser.problems).toEqual([]);
			} catch (err) {
				await browser.page.screenshot({ path: '/tmp/offline-replay-cut.png', fullPage: true });
				throw err;
			} finally {
				await browser.close();
			}
		});

		it('a board move made offline that the server refuses is put back and listed with its reason', async () => {
			const cara = await createCandidate(org.recruiter, { name: 'Cara Card' });
			const application = await addApplication(org.recruiter, requirementId, cara.id);
			const browser = await launchBrowser({ baseURL: running.url });
			try {
				const { context, page } = browser;
				await signIn(page, org.recruiter.email, PASSWORD);
				await waitForWorker(page);
				await follow(page, `/requirements/${requirementId}/board`);
				await page.locator('[data-testid="board-status"][data-synced="true"][data-can-move="true"]').waitFor({
					timeout: 30_000
				});
				await expect.poll(() => cardOf(page, application.id).getAttribute('data-stage')).toBe(application.stage);

				await context.setOffline(true);
				await page.getByRole('button', { name: 'Move Cara Card to…' }).click();
				await page.getByRole('menu', { name: 'Move Cara Card to' }).getByRole('menuitem', { name: 'Hired' }).click();
				await expect.poll(() => cardOf(page, application.id).getAttribute('data-stage')).toBe('hired');

				// Meanwhile, online, an offer is drafted: from now on only an accepted offer makes a hire.
				const offer = await org.recruiter.api.post('/offers', {
					application_id: application.id,
					base_salary: 90_000,
					currency: 'EUR',
					start_date: '2030-02-01',
					expiry_date: '2029-12-31',
					contract_type: 'permanent'
				});
				expect(offer.status, JSON.stringify(offer.body)).toBe(201);

				await context.setOffline(false);
				// The sync server re-validates the move when it arrives, refuses it and puts the card back.
				await expect
					.poll(() => cardOf(page, application.id).getAttribute('data-stage'), { timeout: 30_000 })
					.toBe(application.stage);
				await expect.poll(() => conflicts(page), { timeout: 10_000 }).toBe('1');
				const [row] = await rows<{ stage: string }>(`select stage from applications where id = $1`, [application.id]);
				expect(row.stage).toBe(application.stage);
				expect(
					await rows(`select id from application_stage_history where application_id = $1 and to_stage = 'hired'`, [
						application.id
					])
				).toEqual([]);

				// In the sync panel's conflict list, with the server's reason, also after a reload.
				const checkListed = async () => {
					if (!(await page.getByTestId('sync-panel').isVisible())) await status(page).click();
					const listed = page.locator('[data-testid="sync-conflict"][data-type="move"]');
					await expect(listed.getAttribute('data-record')).resolves.toBe(application.id);
					await expect(listed.getByTestId('conflict-card').innerText()).resolves.toBe('Cara Card');
					await expect(listed.getByTestId('conflict-mine').innerText()).resolves.toBe('Hired');
					await expect(listed.getByTestId('conflict-reason').innerText()).resolves.toMatch(/offer is accepted/i);
				};
				await checkListed();
				await page.screenshot({ path: '/tmp/offline-replay-refused-move.png' });
				await page.reload();
				await expect.poll(() => conflicts(page), { timeout: 15_000 }).toBe('1');
				await checkListed();
				const stored = (await readStore(page, `hh-outbox:${org.recruiter.id}`, 'conflicts')) as Array<{
					type: string;
					recordId: string;
				}>;
				expect(stored.filter((c) => c.type === 'move').map((c) => c.recordId)).toEqual([application.id]);

				await page
					.locator('[data-testid="sync-conflict"][data-type="move"]')
					.getByRole('button', { name: 'Dismiss' })
					.click();
				await expect.poll(() => conflicts(page)).toBe('0');
				expect(browser.problems).toEqual([]);
			} catch (err) {
				await browser.page.screenshot({ path: '/tmp/offline-replay-move.png', fullPage: true });
				throw err;
			} finally {
				await browser.close();
			}
		});

		it('two users on one browser: the second sees nothing of what the first kept or queued', async () => {
			const ann = await createMember(running, 'recruiter', 'Ann Alpha');
			const ben = await createMember(running, 'recruiter', 'Ben Beta');
			const secret = await createCandidate(ann, { name: 'Quentin Quiet', current_title: 'Cryptographer' });
			const browser = await launchBrowser({ baseURL: running.url });
			try {
				const { context, page } = browser;
				await signIn(page, ann.email, PASSWORD);
				await waitForWorker(page);
				// Ann's cache: the candidates list, a candidate, and a live document (the board).
				await follow(page, '/candidates');
				await page.getByTestId('candidate-row').filter({ hasText: 'Quentin Quiet' }).waitFor();
				await follow(page, `/requirements/${requirementId}/board`);
				await page.locator('[data-testid="board-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
				await follow(page, `/candidates/${secret.id}`);
				await page.getByRole('heading', { name: 'Quentin Quiet', level: 1 }).waitFor();
				await expect
					.poll(() => databaseNames(page))
					.toEqual(
						expect.arrayContaining([
							`hh-records:${ann.id}`,
							`hh:${ann.id}:pipeline:${requirementId}`,
							`hh-outbox:${ann.id}`
						])
					);
				// A change that cannot reach the server (the API is unreachable; the app itself is not).
				await page.route('**/api/v1/candidates/**', (route) =>
					route.request().method() === 'GET' ? route.continue() : route.abort('connectionrefused')
				);
				await page.getByRole('button', { name: 'Edit details' }).click();
				await page.getByLabel('Current title').fill('Codebreaker');
				await page.getByRole('button', { name: 'Save changes' }).click();
				await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('1');

				// Signing out warns first, then removes all of Ann's data from the browser.
				const warnings: string[] = [];
				page.once('dialog', (dialog) => {
					warnings.push(dialog.message());
					void dialog.accept();
				});
				await page.getByRole('button', { name: 'Sign out' }).click();
				await page.waitForURL((url) => url.pathname === '/login');
				expect(warnings).toHaveLength(1);
				expect(warnings[0]).toMatch(/not reached the server/);
				await page.unroute('**/api/v1/candidates/**');
				await expect.poll(async () => (await databaseNames(page)).filter((n) => n.includes(ann.id))).toEqual([]);
				expect(await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('hh-pages-')))).toEqual(
					[]
				);
				expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':unsynced')))).toEqual([]);

				// Ben on the same browser profile, then offline: nothing of Ann's anywhere.
				await signIn(page, ben.email, PASSWORD);
				await waitForWorker(page);
				await waitForKeptPageData(page, ben.id);
				await expect.poll(() => status(page).getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
				await context.setOffline(true);
				await follow(page, '/candidates');
				await page.waitForLoadState();
				await expect.poll(() => page.locator('main').innerText(), { timeout: 10_000 }).not.toBe('');
				expect(await page.getByText('Quentin Quiet').count()).toBe(0);
				await follow(page, '/candidates?q=Quentin');
				expect(await page.getByText('Quentin Quiet').count()).toBe(0);
				expect(await pending(page)).toBe('0');
				const names = await databaseNames(page);
				expect(names.filter((n) => n.includes(ann.id))).toEqual([]);
				expect(names.filter((n) => n.startsWith('hh')).every((n) => n.includes(ben.id))).toBe(true);
				if (names.includes(`hh-outbox:${ben.id}`)) {
					expect(await readStore(page, `hh-outbox:${ben.id}`, 'entries')).toEqual([]);
				}
				if (names.includes(`hh-records:${ben.id}`)) {
					const records = JSON.stringify(await readStore(page, `hh-records:${ben.id}`, 'records'));
					expect(records).not.toContain('Quentin');
				}
				await context.setOffline(false);
				// Ann's offline change never reached the server: it went with her data, as she was warned.
				const [quentin] = await rows<{ current_title: string }>(`select current_title from candidates where id = $1`, [
					secret.id
				]);
				expect(quentin.current_title).toBe('Cryptographer');
				expect(browser.problems).toEqual([]);
			} catch (err) {
				await browser.page.screenshot({ path: '/tmp/offline-replay-two-users.png', fullPage: true });
				throw err;
			} finally {
				await browser.close();
			}
		});

		it('two users on one browser without a sign-out (session replaced): the second sees none of the first', async () => {
			const cleo = await createMember(running, 'recruiter', 'Cleo Gamma');
			const dan = await createMember(running, 'recruiter', 'Dan Delta');
			const hidden = await createCandidate(cleo, { name: 'Hilda Hidden', current_title: 'Locksmith' });
			const browser = await launchBrowser({ baseURL: running.url });
			try {
				const { context, page } = browser;
				await signIn(page, cleo.email, PASSWORD);
				await waitForWorker(page);
				await follow(page, '/candidates');
				await page.getByTestId('candidate-row').filter({ hasText: 'Hilda Hidden' }).waitFor();
				await follow(page, `/candidates/${hidden.id}`);
				await page.getByRole('heading', { name: 'Hilda Hidden', level: 1 }).waitFor();
				await context.setOffline(true);
				await page.getByRole('button', { name: 'Edit details' }).click();
				await page.getByLabel('Current title').fill('Master locksmith');
				await page.getByRole('button', { name: 'Save changes' }).click();
				await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('1');
				// Before the change is sent (the API refuses connections), Cleo's session is gone (no
				// sign-out on this browser) and Dan signs in here.
				await context.route('**/api/v1/candidates/**', (route) =>
					route.request().method() === 'GET' ? route.continue() : route.abort('connectionrefused')
				);
				await context.setOffline(false);
				await context.clearCookies();
				await signIn(page, dan.email, PASSWORD);
				await context.unroute('**/api/v1/candidates/**');
				await waitForWorker(page);
				await waitForKeptPageData(page, dan.id);
				await context.setOffline(true);
				await follow(page, '/candidates?q=Hilda');
				await expect.poll(() => page.locator('main').innerText(), { timeout: 10_000 }).not.toBe('');
				expect(await page.getByText('Hilda Hidden').count()).toBe(0);
				expect(await pending(page)).toBe('0');
				// The service worker dropped Cleo's pages; Dan's caches are his own.
				await page.goto(`/candidates/${hidden.id}`).catch(() => {});
				expect(await page.getByText('Master locksmith').count()).toBe(0);
				const names = await databaseNames(page);
				if (names.includes(`hh-records:${dan.id}`)) {
					expect(JSON.stringify(await readStore(page, `hh-records:${dan.id}`, 'records'))).not.toContain('Hilda');
				}
				if (names.includes(`hh-outbox:${dan.id}`)) {
					expect(await readStore(page, `hh-outbox:${dan.id}`, 'entries')).toEqual([]);
				}
				// By design Cleo's unsent change stays in her own database (never opened for Dan) until
				// she signs in here again; it was not sent with Dan's session.
				expect(
					await rows(`select id from audit_log where entity_id = $1 and action = 'candidate.updated'`, [hidden.id])
				).toEqual([]);
				await context.setOffline(false);
				const [row] = await rows<{ current_title: string }>(`select current_title from candidates where id = $1`, [
					hidden.id
				]);
				expect(row.current_title).toBe('Locksmith');
				expect(browser.problems).toEqual([]);
			} catch (err) {
				await browser.page.screenshot({ path: '/tmp/offline-replay-replaced.png', fullPage: true });
				throw err;
			} finally {
				await browser.close();
			}
		});

		it('a session that expired while offline asks for the password before replaying, then replays', async () => {
			const sam = await createMember(running, 'recruiter', 'Sam Session');
			const sid = await createCandidate(org.recruiter, { name: 'Sid Stale', current_title: 'Tester' });
			const browser: BrowserSession = await launchBrowser({ baseURL: running.url });
			try {
				const { context, page } = browser;
				await signIn(page, sam.email, PASSWORD);
				await waitForWorker(page);
				await follow(page, `/candidates/${sid.id}`);
				await page.getByRole('heading', { name: 'Sid Stale', level: 1 }).waitFor();

				await context.setOffline(true);
				await page.getByRole('button', { name: 'Edit details' }).click();
				await page.getByLabel('Current title').fill('QA Lead');
				await page.getByRole('button', { name: 'Save changes' }).click();
				await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('1');
				// Meanwhile the session ends on the server (expired or revoked: the row is gone).
				const ended = await rows(`delete from sessions where user_id = $1 returning id`, [sam.id]);
				expect(ended.length).toBeGreaterThanOrEqual(1);

				await context.setOffline(false);
				const dialog = page.getByTestId('sync-sign-in');
				await dialog.waitFor({ timeout: 30_000 });
				await expect(dialog.innerText()).resolves.toContain(sam.email);
				expect(await pending(page)).toBe('1');
				const [before] = await rows<{ current_title: string }>(`select current_title from candidates where id = $1`, [
					sid.id
				]);
				expect(before.current_title).toBe('Tester');
				await page.screenshot({ path: '/tmp/offline-replay-sign-in.png' });

				await dialog.getByLabel('Password').fill('not the password');
				await dialog.getByRole('button', { name: 'Sign in and sync' }).click();
				await dialog.getByRole('alert').waitFor();
				expect(await pending(page)).toBe('1');
				await dialog.getByLabel('Password').fill(PASSWORD);
				await dialog.getByRole('button', { name: 'Sign in and sync' }).click();
				await expect.poll(() => pending(page), { timeout: 30_000 }).toBe('0');
				await dialog.waitFor({ state: 'detached' });
				const [after] = await rows<{ current_title: string; version: number }>(
					`select current_title, version from candidates where id = $1`,
					[sid.id]
				);
				expect(after).toEqual({ current_title: 'QA Lead', version: sid.version + 1 });
				const audit = await rows(
					`select id from audit_log where action = 'candidate.updated' and entity_id = $1 and actor_id = $2`,
					[sid.id, sam.id]
				);
				expect(audit).toHaveLength(1);
				expect(await conflicts(page)).toBe('0');
				expect(browser.problems).toEqual([]);
			} catch (err) {
				await browser.page.screenshot({ path: '/tmp/offline-replay-session.png', fullPage: true });
				throw err;
			} finally {
				await browser.close();
			}
		});
	}
);
