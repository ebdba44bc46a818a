import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import * as Y from 'yjs';
import { freePort } from '../helpers/app';
import { editorText, focusEditorAtEnd, launchBrowser, signIn, type BrowserSession } from '../helpers/browser';
import { fragmentText, openDocument } from '../helpers/collab';
import { TEST_DATABASE_URL } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	startApp,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import {
	competencyKeys,
	databaseBehind,
	generalTemplate,
	hoursFromNow,
	type TemplateView
} from '../helpers/interviews';
import { PASSWORD } from '../helpers/org';
import { documentNames } from '../../src/lib/collab/names';
import { localDatabaseName } from '../../src/lib/offline/documents';
import { readScorecard } from '../../src/lib/collab/scorecard';

/**
 * The offline day of issue 6 ("Done when"), in one run in Chromium: a recruiter opens a board and
 * an interview online, loses the network, reloads, works offline (a new candidate added to the
 * requirement, two cards moved, shared notes, a rating, a new location), closes the tab and opens
 * the app again offline; meanwhile the hiring manager, online, changes the salary and writes in
 * the same notes. Back online, within 10 s everything is on the server exactly once — checked in
 * the database (Postgres when TEST_DATABASE_URL is set) and its audit log — the notes hold both
 * texts, the requirement both changes, and the manager's board shows the new candidate.
 *
 * The one travelling is an admin who recruits: the permission module lets only admins and the
 * owning hiring manager edit a requirement's fields, and only recruiters and admins add candidates.
 */

const BACKEND = TEST_DATABASE_URL ? 'postgres' : 'pglite';

const NEW_CANDIDATE = 'Olga Offline';
const NEW_EMAIL = 'olga.offline@example.org';
const ONLINE_NOTE = 'Warm-up questions agreed before the train.';
const OFFLINE_NOTE = 'Offline on the train: strong on incident reviews.';
const MANAGER_NOTE = 'Hanna online: ask about on-call load.';
const SALARY = { from: '61000', upTo: '72000' };

/** The visible status indicator (desktop sidebar or phone header). */
const status = (page: Page) => page.locator('[data-testid="connection-status"]:visible');
const pending = (page: Page) => status(page).getAttribute('data-pending');

/** An application made offline, as the candidate's page lists it until it is synced. */
const pendingApplication = (page: Page) => page.locator('[data-testid="application-row"][data-pending="true"]');

const cardOf = (page: Page, id: string) => page.locator(`[data-testid="board-card"][data-id="${id}"]`);

/**
 * The text of a document as this browser has stored it (y-indexeddb's `updates` store of the
 * user's copy, decoded here). IndexedDB writes can lag behind the server on a loaded machine; a
 * reload cancels the ones still in flight, so the test waits for them before going offline.
 */
async function storedText(page: Page, userId: string, documentName: string): Promise<string> {
	const updates = await page.evaluate(
		(name) =>
			new Promise<number[][]>((resolve) => {
				const open = indexedDB.open(name);
				open.onerror = () => resolve([]);
				open.onsuccess = () => {
					const db = open.result;
					if (!db.objectStoreNames.contains('updates')) {
						db.close();
						resolve([]);
						return;
					}
					const all = db.transaction('updates', 'readonly').objectStore('updates').getAll();
					all.onsuccess = () => {
						db.close();
						resolve((all.result as Uint8Array[]).map((u) => Array.from(u)));
					};
					all.onerror = () => resolve([]);
				};
			}),
		localDatabaseName(userId, documentName)
	);
	const doc = new Y.Doc();
	for (const update of updates) Y.applyUpdate(doc, Uint8Array.from(update));
	return fragmentText(doc);
}

/** Moves a card with the keyboard way of the board ("Move … to…", then the stage). */
async function moveWithMenu(page: Page, name: string, stageLabel: string) {
	await page.getByRole('button', { name: `Move ${name} to…` }).click();
	const menu = page.getByRole('menu', { name: `Move ${name} to` });
	await menu.waitFor();
	await menu.getByRole('menuitem', { name: stageLabel }).click();
}

/** Opens `path` as a full page load (offline: from the service worker). */
async function load(page: Page, path: string) {
	await page.goto(path, { waitUntil: 'load', timeout: 30_000 });
}

/** The API paths whose answers the user's record cache (`hh-records:<user>`) holds. */
function cachedPaths(page: Page, userId: string): Promise<string[]> {
	return page.evaluate(
		(name) =>
			new Promise<string[]>((resolve) => {
				const open = indexedDB.open(name);
				open.onerror = () => resolve([]);
				open.onsuccess = () => {
					const db = open.result;
					try {
						const keys = db.transaction('responses').objectStore('responses').getAllKeys();
						keys.onsuccess = () => {
							resolve(keys.result.map(String));
							db.close();
						};
						keys.onerror = () => {
							resolve([]);
							db.close();
						};
					} catch {
						// not created yet
						resolve([]);
						db.close();
					}
				};
			}),
		`hh-records:${userId}`
	);
}

async function screenshot(page: Page, name: string) {
	await page.screenshot({ path: `/tmp/offline-day-${name}.png`, fullPage: true }).catch(() => {});
}

describe('an offline day (issue 6, done when)', () => {
	let running: RunningApp;
	let org: Org;
	/** The one working offline: an admin who recruits (recruiters may not edit a requirement's fields). */
	let traveller: Member;
	let template: TemplateView;
	let requirementId: string;
	let interviewId: string;
	const apps: Record<'alice' | 'bob' | 'carol', string> = { alice: '', bob: '', carol: '' };
	const names = { alice: 'Alice Applied', bob: 'Bob Builder', carol: 'Carol Interviewed' };
	let carolId: string;
	let rita: BrowserSession;
	let hanna: BrowserSession;

	beforeAll(async () => {
		const port = await freePort();
		running = await startApp(BACKEND, { PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` });
		org = await createOrg(running);
		traveller = await createMember(running, 'admin', 'Tess Traveller');
		template = await generalTemplate(org.recruiter);
		requirementId = (
			await openRequirement(org, 'Night Train Conductor', {
				location_city: 'Oslo',
				salary_min: 50000,
				salary_max: 60000,
				currency: 'EUR'
			})
		).id;
		const alice = await createCandidate(org.recruiter, { name: names.alice, emails: ['alice@example.org'] });
		const bob = await createCandidate(org.recruiter, { name: names.bob, emails: ['bob@example.org'] });
		const carol = await createCandidate(org.recruiter, { name: names.carol, emails: ['carol@example.org'] });
		carolId = carol.id;
		apps.alice = (await addApplication(org.recruiter, requirementId, alice.id, 'applied')).id;
		apps.bob = (await addApplication(org.recruiter, requirementId, bob.id, 'applied')).id;
		apps.carol = (await addApplication(org.recruiter, requirementId, carol.id, 'screening')).id;
		// Carol's interview: the traveller and the hiring manager are on the panel.
		const scheduled = await org.recruiter.api.post('/interviews', {
			application_id: apps.carol,
			type: 'technical',
			starts_at: hoursFromNow(20),
			ends_at: hoursFromNow(21),
			time_zone: 'Europe/Oslo',
			panel: [
				{ user_id: traveller.id, is_lead: true },
				{ user_id: org.manager.id, is_lead: false }
			],
			scorecard_template_id: template.id
		});
		expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
		interviewId = scheduled.body.data.interview.id;
		[rita, hanna] = await Promise.all([
			launchBrowser({ baseURL: running.url }),
			launchBrowser({ baseURL: running.url })
		]);
	});

	afterAll(async () => {
		await Promise.all([rita?.close(), hanna?.close()]);
		await running?.close();
	});

	it('loses nothing: offline work reaches the server once and merges with what others did', async () => {
		const context: BrowserContext = rita.context;
		let page = rita.page;
		const [firstKey] = competencyKeys(template);
		const board = `/requirements/${requirementId}/board`;
		const room = `/interviews/${interviewId}`;

		// 1. Online: sign in, let the service worker and the offline kit settle, open the pages of the day.
		await signIn(page, traveller.email, PASSWORD);
		await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
		await page.waitForFunction(() => document.documentElement.dataset.offlineKit === 'ready', undefined, {
			timeout: 60_000
		});
		// Each page's answers are in the record cache before the next page is opened.
		const visits: Array<[string, (paths: string[]) => boolean]> = [
			['/candidates', (paths) => paths.some((p) => p.startsWith('/candidates?'))],
			[`/candidates/${carolId}`, (paths) => paths.includes('/requirements?status=open&page_size=100&sort=title')],
			['/candidates/new', () => true],
			[`/requirements/${requirementId}`, (paths) => paths.includes(`/requirements/${requirementId}`)]
		];
		for (const [path, cached] of visits) {
			await load(page, path);
			await page.locator('main h1').first().waitFor();
			await expect.poll(async () => cached(await cachedPaths(page, traveller.id)), { timeout: 15_000 }).toBe(true);
		}
		await load(page, `/requirements/${requirementId}/edit`);
		await page.getByRole('heading', { name: 'Edit requirement', level: 1 }).waitFor();
		await load(page, board);
		await page.locator('[data-testid="board-status"][data-synced="true"][data-can-move="true"]').waitFor({
			timeout: 30_000
		});
		await expect
			.poll(async () => (await cachedPaths(page, traveller.id)).includes(`/requirements/${requirementId}/pipeline`), {
				timeout: 15_000
			})
			.toBe(true);
		await load(page, room);
		await page.getByTestId(`competency-${firstKey}`).waitFor({ timeout: 30_000 });
		const editor = page.getByTestId('collab-editor');
		await focusEditorAtEnd(page, editor);
		await page.keyboard.type(ONLINE_NOTE);
		const notesName = documentNames.interviewNotes(interviewId);
		const check = openDocument({ url: running.collabUrl, name: notesName, token: org.admin.token });
		try {
			await check.synced;
			await expect.poll(() => fragmentText(check.doc), { timeout: 20_000 }).toContain(ONLINE_NOTE);
		} finally {
			check.destroy();
		}
		// ...and in this browser's stored copy (what the offline reload below reads).
		await expect.poll(() => storedText(page, traveller.id, notesName), { timeout: 20_000 }).toContain(ONLINE_NOTE);

		// 2. Offline, a real reload: the app and both documents come from this browser.
		await context.setOffline(true);
		await load(page, board);
		await expect.poll(() => status(page).getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
		await expect.poll(() => cardOf(page, apps.alice).getAttribute('data-stage'), { timeout: 15_000 }).toBe('applied');
		await expect.poll(() => cardOf(page, apps.carol).getAttribute('data-stage'), { timeout: 15_000 }).toBe('screening');
		await load(page, room);
		await expect.poll(() => editorText(page), { timeout: 15_000 }).toContain(ONLINE_NOTE);
		await page.getByTestId(`competency-${firstKey}`).waitFor();
		// The room says its data came from this device and may be stale.
		await page.getByTestId('kit-note').waitFor({ timeout: 15_000 });

		// 3. Offline work. Notes and a rating in the interview room…
		await focusEditorAtEnd(page, page.getByTestId('collab-editor'));
		await page.keyboard.press('Enter');
		await page.keyboard.type(OFFLINE_NOTE);
		await expect.poll(() => editorText(page), { timeout: 15_000 }).toContain(OFFLINE_NOTE);
		await page
			.getByTestId(`competency-${firstKey}`)
			.locator('label')
			.filter({ has: page.locator('input[value="4"]') })
			.click();
		await expect(page.getByTestId(`competency-${firstKey}`).locator('input[value="4"]').isChecked()).resolves.toBe(
			true
		);
		await screenshot(page, 'room-offline');

		// …two cards moved on the board…
		await load(page, board);
		await expect.poll(() => cardOf(page, apps.alice).getAttribute('data-stage'), { timeout: 15_000 }).toBe('applied');
		await moveWithMenu(page, names.alice, 'Screening');
		await expect.poll(() => cardOf(page, apps.alice).getAttribute('data-stage'), { timeout: 15_000 }).toBe('screening');
		await moveWithMenu(page, names.bob, 'Interview');
		await expect.poll(() => cardOf(page, apps.bob).getAttribute('data-stage'), { timeout: 15_000 }).toBe('interview');
		await screenshot(page, 'board-offline');

		// …a new location for the requirement…
		await load(page, `/requirements/${requirementId}/edit`);
		await page.getByRole('heading', { name: 'Edit requirement', level: 1 }).waitFor();
		await page.getByLabel('City').fill('Bergen');
		await page.getByRole('button', { name: 'Save changes' }).click();
		await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('1');

		// …and a new candidate, added to the requirement from their page (a temporary id, no network).
		await load(page, '/candidates/new');
		await page.getByLabel('Name').fill(NEW_CANDIDATE);
		await page.getByLabel('E-mail').fill(NEW_EMAIL);
		await page.getByRole('button', { name: 'Create candidate' }).click();
		await page.waitForURL(/\/candidates\/tmp-/, { timeout: 15_000 });
		await page
			.getByRole('heading', { name: NEW_CANDIDATE, level: 1 })
			.waitFor({ timeout: 15_000 })
			.catch(async (err: unknown) => {
				await screenshot(page, 'candidate-failed');
				throw err;
			});
		const tempId = new URL(page.url()).pathname.split('/').pop()!;
		await page.locator('#add-requirement').selectOption(requirementId);
		await page.getByRole('button', { name: 'Add to requirement' }).click();
		await pendingApplication(page).getByText('Night Train Conductor').waitFor({ timeout: 15_000 });
		await expect.poll(() => pending(page), { timeout: 10_000 }).toBe('3');
		await screenshot(page, 'candidate-offline');

		// 4. The tab is closed; a new one opens, still offline: everything is still there.
		await page.close();
		page = await context.newPage();
		await load(page, board);
		await expect.poll(() => status(page).getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
		await expect.poll(() => pending(page), { timeout: 15_000 }).toBe('3');
		await expect.poll(() => cardOf(page, apps.alice).getAttribute('data-stage'), { timeout: 15_000 }).toBe('screening');
		await expect.poll(() => cardOf(page, apps.bob).getAttribute('data-stage'), { timeout: 15_000 }).toBe('interview');
		await status(page).click();
		const entries = await page.getByTestId('sync-pending-entry').allInnerTexts();
		expect(entries).toHaveLength(3);
		expect(entries.join('\n')).toContain(`PATCH /requirements/${requirementId}`);
		await load(page, '/candidates');
		await page.locator(`a[href="/candidates/${tempId}"]`).first().click();
		await page.getByRole('heading', { name: NEW_CANDIDATE, level: 1 }).waitFor({ timeout: 15_000 });
		await pendingApplication(page).getByText('Night Train Conductor').waitFor({ timeout: 15_000 });
		await load(page, `/requirements/${requirementId}`);
		await page.getByText('Bergen').first().waitFor({ timeout: 15_000 });
		await load(page, room);
		await expect.poll(() => editorText(page), { timeout: 15_000 }).toContain(OFFLINE_NOTE);
		await expect
			.poll(() => page.getByTestId(`competency-${firstKey}`).locator('input[value="4"]').isChecked(), {
				timeout: 15_000
			})
			.toBe(true);
		expect((await org.recruiter.api.get(`/requirements/${requirementId}`)).body.data.location_city).toBe('Oslo');

		// 5. Meanwhile the hiring manager, online, changes the salary and writes in the same notes.
		const manager = hanna.page;
		await signIn(manager, org.manager.email, PASSWORD);
		await load(manager, `/requirements/${requirementId}/edit`);
		await manager.getByRole('heading', { name: 'Edit requirement', level: 1 }).waitFor();
		await manager.getByLabel('Salary from').fill(SALARY.from);
		await manager.getByLabel('Salary up to').fill(SALARY.upTo);
		await manager.getByRole('button', { name: 'Save and restart approval' }).click();
		await manager.waitForURL(`**/requirements/${requirementId}?saved=1`, { timeout: 15_000 }).catch(() => {});
		await expect
			.poll(async () => (await org.manager.api.get(`/requirements/${requirementId}`)).body.data.salary_min, {
				timeout: 15_000
			})
			.toBe(Number(SALARY.from));
		// A salary change sends the requirement back to approval; the approver approves it again and
		// it is opened again (a closed pipeline would rightly refuse the new application).
		expect((await org.manager.api.get(`/requirements/${requirementId}`)).body.data.status).toBe('pending_approval');
		const approvals = await org.approver.api.get('/approvals/pending');
		const approval = (approvals.body.data.items as Array<{ id: string; subject_id: string }>).find(
			(a) => a.subject_id === requirementId
		);
		expect(approval, 'the approval asked again').toBeTruthy();
		expect((await org.approver.api.post(`/approvals/${approval!.id}/approve`, {})).status).toBe(200);
		const reopened = await org.admin.api.post(`/requirements/${requirementId}/open`, {});
		expect(reopened.status, JSON.stringify(reopened.body)).toBe(200);
		const versionBefore: number = (await org.manager.api.get(`/requirements/${requirementId}`)).body.data.version;

		await load(manager, room);
		const managerEditor = manager.getByTestId('collab-editor');
		await expect.poll(() => editorText(manager), { timeout: 20_000 }).toContain(ONLINE_NOTE);
		await focusEditorAtEnd(manager, managerEditor);
		await manager.keyboard.press('Enter');
		await manager.keyboard.type(MANAGER_NOTE);
		await expect.poll(() => editorText(manager), { timeout: 15_000 }).toContain(MANAGER_NOTE);
		await load(manager, board);
		await manager.locator('[data-testid="board-status"][data-synced="true"]').waitFor({ timeout: 30_000 });
		expect(await manager.getByText(NEW_CANDIDATE).count()).toBe(0);

		// 6. Back online: within 10 s everything is on the server.
		await context.setOffline(false);
		const online = Date.now();
		const api = org.recruiter.api;
		await expect
			.poll(
				async () => {
					const [req, alice, bob, found] = await Promise.all([
						api.get(`/requirements/${requirementId}`),
						api.get(`/applications/${apps.alice}`),
						api.get(`/applications/${apps.bob}`),
						api.get(`/candidates?q=${encodeURIComponent(NEW_CANDIDATE)}`)
					]);
					const olga = (found.body.data?.items ?? []) as Array<{ id: string }>;
					const profile = olga[0] ? await api.get(`/candidates/${olga[0].id}`) : null;
					return {
						location: req.body.data.location_city,
						salary: req.body.data.salary_min,
						alice: alice.body.data.stage,
						bob: bob.body.data.stage,
						candidates: olga.length,
						applied: (profile?.body.data.applications ?? []).map((a: { requirement_id: string }) => a.requirement_id),
						pending: await pending(page)
					};
				},
				{ timeout: 30_000, interval: 200 }
			)
			.toEqual({
				location: 'Bergen',
				salary: Number(SALARY.from),
				alice: 'screening',
				bob: 'interview',
				candidates: 1,
				applied: [requirementId],
				pending: '0'
			});
		// The documents: the notes hold both texts, the rating is on the traveller's scorecard.
		const notes = openDocument({ url: running.collabUrl, name: notesName, token: org.admin.token });
		const card = openDocument({
			url: running.collabUrl,
			name: documentNames.scorecard(interviewId, traveller.id),
			token: traveller.token
		});
		try {
			await Promise.all([notes.synced, card.synced]);
			await expect.poll(() => fragmentText(notes.doc), { timeout: 30_000, interval: 100 }).toContain(OFFLINE_NOTE);
			expect(fragmentText(notes.doc)).toContain(MANAGER_NOTE);
			expect(fragmentText(notes.doc)).toContain(ONLINE_NOTE);
			await expect.poll(() => readScorecard(card.doc).ratings[firstKey]?.rating, { timeout: 30_000 }).toBe(4);
		} finally {
			notes.destroy();
			card.destroy();
		}
		const elapsed = Date.now() - online;
		console.info(`offline day: everything on the server ${elapsed} ms after going online`);
		expect(elapsed, `everything reached the server ${elapsed} ms after going online`).toBeLessThanOrEqual(10_000);

		// The second user sees the new candidate on the board, live.
		await manager.getByText(NEW_CANDIDATE).first().waitFor({ timeout: 20_000 });
		await screenshot(manager, 'manager-board');
		await expect.poll(() => editorText(page), { timeout: 20_000 }).toContain(MANAGER_NOTE);

		// Exactly once, in the database and its audit log.
		const requirement = (await api.get(`/requirements/${requirementId}`)).body.data;
		// The manager's change, then the traveller's location merged onto it: one more version.
		expect(requirement.version).toBe(versionBefore + 1);
		expect(requirement.salary_max).toBe(Number(SALARY.upTo));
		const db = await databaseBehind(running);
		try {
			const rows = db.rows;
			const candidates = await rows(`select id from candidates where name = '${NEW_CANDIDATE}'`);
			expect(candidates).toHaveLength(1);
			const olgaId = String(candidates[0].id);
			const applications = await rows(
				`select id, stage from applications where candidate_id = '${olgaId}' and requirement_id = '${requirementId}'`
			);
			expect(applications).toHaveLength(1);
			const olgaApp = String(applications[0].id);
			const history = await rows(
				`select application_id, from_stage, to_stage, via from application_stage_history
				 where application_id in ('${apps.alice}', '${apps.bob}', '${olgaApp}') order by created_at`
			);
			const moves = history.filter((h) => h.from_stage !== null);
			expect(moves.map((h) => [h.application_id, h.from_stage, h.to_stage, h.via])).toEqual(
				expect.arrayContaining([
					[apps.alice, 'applied', 'screening', 'board'],
					[apps.bob, 'applied', 'interview', 'board']
				])
			);
			expect(moves).toHaveLength(2);
			expect(history.filter((h) => h.application_id === olgaApp)).toHaveLength(1);
			const audit = async (action: string, entityId: string) =>
				(
					await rows(
						`select count(*)::int as n from audit_log where action = '${action}' and entity_id = '${entityId}'`
					)
				)[0].n;
			expect(await audit('candidate.created', olgaId)).toBe(1);
			expect(await audit('application.created', olgaApp)).toBe(1);
			expect(await audit('application.stage_changed', apps.alice)).toBe(1);
			expect(await audit('application.stage_changed', apps.bob)).toBe(1);
			const locationAudits = await rows(
				`select count(*)::int as n from audit_log where action = 'requirement.updated'
				 and entity_id = '${requirementId}' and after::text like '%Bergen%'`
			);
			expect(locationAudits[0].n).toBe(1);
			// Each create was sent under one Idempotency-Key, stored once with its answer.
			const keys = await rows(
				`select method, path, status_code from idempotency_keys where user_id = '${traveller.id}' and method = 'POST'`
			);
			expect(keys.filter((k) => String(k.path).endsWith('/candidates'))).toHaveLength(1);
			expect(keys.filter((k) => String(k.path).endsWith(`/requirements/${requirementId}/applications`))).toHaveLength(
				1
			);
			expect(keys.every((k) => Number(k.status_code) === 201)).toBe(true);
		} finally {
			await db.close();
		}
		expect([...rita.problems, ...hanna.problems]).toEqual([]);
	}, 600_000);
});
