import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { apiClient, RunningProcess } from '../helpers/app';
import {
	DESKTOP,
	horizontalExtent,
	launchBrowser,
	PHONE,
	signIn,
	startAppForBrowser,
	type BrowserSession
} from '../helpers/browser';
import { createUser, eventually, PASSWORD, registerAdmin } from '../helpers/org';

type Client = ReturnType<typeof apiClient>;

/**
 * The live pipeline board (`pipeline:<requirementId>`) in Chromium: two recruiters moving cards
 * and seeing each other's moves and drags, a viewer who watches but cannot move, a move the
 * sync server refuses (put back, with the reason in a toast), and a bulk reject through the API.
 */

const BOARD_NAMES = {
	grace: 'Grace Hopper',
	alan: 'Alan Kay',
	barbara: 'Barbara Liskov',
	ken: 'Ken Thompson',
	margaret: 'Margaret Hamilton'
};
const BULK_NAMES = ['Ada Byron', 'Edsger Dijkstra', 'Frances Allen', 'John Backus', 'Radia Perlman'];

async function waitUntilLive(page: Page, canMove: boolean) {
	await page
		.locator(`[data-testid="board-status"][data-synced="true"][data-can-move="${canMove}"]`)
		.waitFor({ timeout: 30_000 });
}

const cardOf = (page: Page, id: string) => page.locator(`[data-testid="board-card"][data-id="${id}"]`);
const columnOf = (page: Page, stage: string) => page.locator(`[data-testid="board-column"][data-column="${stage}"]`);

/** Ids of the cards of one column, top to bottom, as the page shows them. */
function columnIds(page: Page, stage: string): Promise<string[]> {
	return columnOf(page, stage)
		.locator('[data-testid="board-card"]')
		.evaluateAll((cards) => cards.map((c) => (c as HTMLElement).dataset.id ?? ''));
}

/**
 * Drags a card with the mouse (pointer events) onto a point of a target element. Grabs the card
 * by its lower edge (not its link, checkbox or menu button). `during` runs while the card is
 * held over the target, before the drop.
 */
async function dragCard(
	page: Page,
	card: Locator,
	target: Locator,
	at: 'top' | 'bottom' | 'middle',
	during?: () => Promise<void>
) {
	// The board scrolls sideways: show the leftmost of the two columns first, so both are on screen.
	await page.getByTestId('board-scroller').evaluate(
		(scroller, [a, b]) => {
			const columns = [a, b].map((el) => (el as HTMLElement).closest<HTMLElement>('[data-column]')!);
			const left = Math.min(...columns.map((c) => c.getBoundingClientRect().left));
			scroller.scrollLeft += left - scroller.getBoundingClientRect().left;
		},
		[await card.elementHandle(), await target.elementHandle()]
	);
	await card.scrollIntoViewIfNeeded();
	const from = await card.boundingBox();
	const to = await target.boundingBox();
	if (!from || !to) throw new Error('card or target not visible');
	await page.mouse.move(from.x + from.width / 2, from.y + from.height - 6);
	await page.mouse.down();
	const y = at === 'top' ? to.y + 4 : at === 'bottom' ? to.y + to.height - 4 : to.y + to.height / 2;
	await page.mouse.move(from.x + from.width / 2 + 10, from.y + from.height - 6 + 10, { steps: 3 });
	await page.mouse.move(to.x + to.width / 2, y, { steps: 8 });
	await during?.();
	await page.mouse.up();
}

async function applicationOf(api: Client, id: string) {
	const res = await api.get(`/applications/${id}`);
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	return res.body.data as {
		stage: string;
		version: number;
		rank: string;
		rejection_reason: string | null;
		history: Array<{ from_stage: string | null; to_stage: string; via: string; moved_by: string | null }>;
	};
}

/** Full-page screenshots at 1280 and 375 px; at 375 only the board's own scroller may scroll sideways. */
async function screenshots(page: Page, name: string) {
	await page.evaluate(() => {
		(document.activeElement as HTMLElement | null)?.blur();
		window.scrollTo(0, 0);
	});
	await page.setViewportSize(DESKTOP);
	await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
	await page.screenshot({ path: `/tmp/board-${name}-1280.png`, fullPage: true });
	const desktop = await horizontalExtent(page);
	expect(desktop.scrollWidth, `${name} scrolls sideways at 1280 px`).toBeLessThanOrEqual(desktop.innerWidth);
	await page.setViewportSize(PHONE);
	await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
	await page.screenshot({ path: `/tmp/board-${name}-375.png`, fullPage: true });
	const phone = await horizontalExtent(page);
	expect(phone.scrollWidth, `${name} scrolls sideways at 375 px`).toBeLessThanOrEqual(phone.innerWidth);
	// The columns themselves scroll inside the board.
	const scroller = await page
		.getByTestId('board-scroller')
		.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
	expect(scroller.scrollWidth).toBeGreaterThan(scroller.clientWidth);
	await page.setViewportSize(DESKTOP);
}

describe('the live pipeline board', () => {
	let app: RunningProcess;
	let admin: Client;
	let recruiter: Client;
	let rita: BrowserSession;
	let remy: BrowserSession;
	let vic: BrowserSession;
	let requirementId: string;
	const ids: Record<string, string> = {};
	const bulkIds: string[] = [];

	beforeAll(async () => {
		app = await startAppForBrowser();
		const first = await registerAdmin(app.url);
		admin = first.api;
		const [ritaUser, remyUser, manager, approver, viewer] = [
			await createUser(app.url, admin, 'recruiter', 'Rita Recruiter'),
			await createUser(app.url, admin, 'recruiter', 'Remy Recruiter'),
			await createUser(app.url, admin, 'hiring_manager', 'Hanna Manager'),
			await createUser(app.url, admin, 'approver', 'Amir Approver'),
			await createUser(app.url, admin, 'viewer', 'Vic Viewer')
		];
		recruiter = ritaUser.api;

		// An open requirement (created, approved by the default workflow, opened).
		const dept = await admin.post('/departments', { name: 'Engineering' });
		expect(dept.status, JSON.stringify(dept.body)).toBe(201);
		const created = await manager.api.post('/requirements', {
			title: 'Compiler Engineer',
			department_id: dept.body.data.id
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		requirementId = created.body.data.id;
		expect((await manager.api.post(`/requirements/${requirementId}/submit`, {})).status).toBe(200);
		const pending = await approver.api.get('/approvals/pending');
		const approval = (pending.body.data.items as Array<{ id: string; subject_id: string }>).find(
			(a) => a.subject_id === requirementId
		);
		expect(approval, 'an approval for the requirement').toBeTruthy();
		expect((await approver.api.post(`/approvals/${approval!.id}/approve`, {})).status).toBe(200);
		expect((await recruiter.post(`/requirements/${requirementId}/open`, {})).status).toBe(200);

		const apply = async (name: string, stage: string, extra: Record<string, unknown> = {}) => {
			const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.org`;
			const candidate = await recruiter.post('/candidates', { name, emails: [email], ...extra });
			expect(candidate.status, JSON.stringify(candidate.body)).toBe(201);
			const application = await recruiter.post(`/requirements/${requirementId}/applications`, {
				candidate_id: candidate.body.data.id,
				stage
			});
			expect(application.status, JSON.stringify(application.body)).toBe(201);
			return application.body.data.id as string;
		};
		ids.grace = await apply(BOARD_NAMES.grace, 'applied', {
			current_title: 'Rear Admiral',
			tags: ['cobol', 'compilers']
		});
		ids.alan = await apply(BOARD_NAMES.alan, 'applied', { current_title: 'Researcher' });
		ids.barbara = await apply(BOARD_NAMES.barbara, 'screening', { current_title: 'Professor' });
		ids.margaret = await apply(BOARD_NAMES.margaret, 'screening');
		ids.ken = await apply(BOARD_NAMES.ken, 'offer');
		// Hired through the API (no offers exist, so the rule table allows it).
		const hired = await recruiter.patch(`/applications/${ids.ken}/stage`, { stage: 'hired', version: 1 });
		expect(hired.status, JSON.stringify(hired.body)).toBe(200);
		for (const name of BULK_NAMES) bulkIds.push(await apply(name, 'sourced'));

		[rita, remy, vic] = await Promise.all([
			launchBrowser({ baseURL: app.url }),
			launchBrowser({ baseURL: app.url }),
			launchBrowser({ baseURL: app.url })
		]);
		await Promise.all([
			signIn(rita.page, ritaUser.email, PASSWORD),
			signIn(remy.page, remyUser.email, PASSWORD),
			signIn(vic.page, viewer.email, PASSWORD)
		]);
	});

	afterAll(async () => {
		await Promise.all([rita?.close(), remy?.close(), vic?.close()]);
		await app?.stop();
	});

	it('is reached from the requirement and shows one column per stage with the cards in order', async () => {
		const page = rita.page;
		await page.goto(`/requirements/${requirementId}`);
		await page.getByRole('link', { name: 'Pipeline board' }).click();
		await page.waitForURL(`**/requirements/${requirementId}/board`);
		await page.getByRole('heading', { name: 'Pipeline board', level: 1 }).waitFor();
		await waitUntilLive(page, true);

		const stages = await page
			.getByTestId('board-column')
			.evaluateAll((cols) => cols.map((c) => (c as HTMLElement).dataset.column));
		expect(stages).toEqual(['sourced', 'applied', 'screening', 'interview', 'offer', 'hired', 'rejected', 'withdrawn']);
		expect(await columnIds(page, 'applied')).toEqual([ids.grace, ids.alan]);
		expect(await columnIds(page, 'sourced')).toEqual(bulkIds);
		const grace = cardOf(page, ids.grace);
		await grace.getByText('Rear Admiral').waitFor();
		await grace.getByText('cobol').waitFor();
		await expect(grace.getByTestId('board-card-days').innerText()).resolves.toBe('Today');
		expect(await cardOf(page, ids.ken).getAttribute('data-stage')).toBe('hired');
		expect(rita.problems).toEqual([]);
	});

	it('connects while the page renders: one socket, opened by the load, kept by the page, closed on leaving', async () => {
		const [OPEN, CLOSED] = [1, 3]; // WebSocket.readyState
		const page = await remy.context.newPage();
		try {
			// The offline kit would open sockets of its own (it syncs the user's boards): not here.
			await page.route('**/api/v1/offline/kit', (route) => route.abort());
			await page.addInitScript(() => {
				const sockets: WebSocket[] = [];
				const Native = window.WebSocket;
				window.WebSocket = class extends Native {
					constructor(url: string | URL, protocols?: string | string[]) {
						super(url, protocols);
						sockets.push(this);
					}
				} as typeof WebSocket;
				Object.assign(window, { __sockets: sockets });
			});
			const sockets = () =>
				page.evaluate(() =>
					(window as unknown as { __sockets: WebSocket[] }).__sockets.map((s) => ({
						url: new URL(s.url).pathname,
						state: s.readyState
					}))
				);
			await page.goto(`/requirements/${requirementId}/board`);
			await waitUntilLive(page, true);
			await cardOf(page, ids.grace).waitFor();
			// The socket the load opened is the one the page uses: no second connection.
			expect(await sockets()).toEqual([{ url: '/collab', state: OPEN }]);

			// Leaving (a client-side navigation to the requirement, which opens its own description)
			// closes it; coming back opens and keeps a new one, and the requirement's is closed.
			await page.getByRole('link', { name: 'Compiler Engineer' }).first().click();
			await page.waitForURL(`**/requirements/${requirementId}`);
			await expect.poll(async () => (await sockets())[0].state).toBe(CLOSED);
			await page.goBack();
			await waitUntilLive(page, true);
			await expect.poll(async () => (await sockets()).map((s) => s.state)).toEqual([CLOSED, CLOSED, OPEN]);
		} finally {
			await page.close();
		}
	});

	it('two recruiters: a drag in one browser moves the card in the other within a second, and Postgres has it', async () => {
		const a = rita.page;
		const b = remy.page;
		await b.goto(`/requirements/${requirementId}/board`);
		await Promise.all([waitUntilLive(a, true), waitUntilLive(b, true)]);
		// Presence: each sees the other's avatar (names come from the server's session, not the client).
		await a.locator('[data-testid="board-viewer"][data-name="Remy Recruiter"]').waitFor();
		await b.locator('[data-testid="board-viewer"][data-name="Rita Recruiter"]').waitFor();
		await b.evaluate(() => Object.assign(window, { __notReloaded: true }));

		// Remy's page notes the moment Grace's card shows up in "interview".
		await b.evaluate((id) => {
			const w = window as unknown as { __seenAt?: number };
			const check = () => {
				const card = document.querySelector(`[data-testid="board-card"][data-id="${id}"]`) as HTMLElement | null;
				if (card?.dataset.stage === 'interview' && w.__seenAt === undefined) w.__seenAt = Date.now();
			};
			new MutationObserver(check).observe(document.body, {
				subtree: true,
				childList: true,
				attributes: true,
				attributeFilter: ['data-stage']
			});
		}, ids.grace);
		// Rita's page notes the moment of the drop.
		await a.evaluate(() => {
			window.addEventListener('pointerup', () => Object.assign(window, { __droppedAt: Date.now() }), {
				capture: true,
				once: true
			});
		});

		await dragCard(a, cardOf(a, ids.grace), columnOf(a, 'interview'), 'middle', async () => {
			// While Rita holds the card, Remy sees who is moving it.
			await cardOf(b, ids.grace).and(b.locator('[data-dragged-by="Rita Recruiter"]')).waitFor({ timeout: 10_000 });
			await b.getByTestId('board-card-dragged-by').getByText('Rita Recruiter is moving this').waitFor();
			await a.getByTestId('board-drop-marker').waitFor();
		});
		await expect.poll(() => cardOf(a, ids.grace).getAttribute('data-stage')).toBe('interview');
		await expect
			.poll(() => b.evaluate(() => (window as unknown as { __seenAt?: number }).__seenAt), { timeout: 10_000 })
			.toBeTypeOf('number');
		const droppedAt = await a.evaluate(() => (window as unknown as { __droppedAt?: number }).__droppedAt);
		const seenAt = await b.evaluate(() => (window as unknown as { __seenAt?: number }).__seenAt);
		expect(droppedAt).toBeTypeOf('number');
		const elapsed = seenAt! - droppedAt!;
		expect(elapsed, `seen ${elapsed} ms after the drop`).toBeLessThanOrEqual(1000);
		// The highlight goes when the drag ends.
		await b.locator('[data-dragged-by]').waitFor({ state: 'detached' });
		expect(await b.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);

		// Postgres: the new stage, with a history row written by the board move as Rita.
		const stored = await eventually(async () => {
			const app = await applicationOf(recruiter, ids.grace);
			return app.stage === 'interview' ? app : null;
		});
		expect(stored.history.at(-1)).toMatchObject({ from_stage: 'applied', to_stage: 'interview', via: 'board' });

		// Reordering within a column: Margaret dropped above Barbara, on both screens.
		expect(await columnIds(a, 'screening')).toEqual([ids.barbara, ids.margaret]);
		await dragCard(a, cardOf(a, ids.margaret), cardOf(a, ids.barbara), 'top');
		await expect.poll(() => columnIds(a, 'screening')).toEqual([ids.margaret, ids.barbara]);
		await expect.poll(() => columnIds(b, 'screening')).toEqual([ids.margaret, ids.barbara]);
		await eventually(async () => {
			const [m, bl] = await Promise.all([
				applicationOf(recruiter, ids.margaret),
				applicationOf(recruiter, ids.barbara)
			]);
			return m.rank < bl.rank;
		});

		// Escape while dragging puts the card back: the drop after it moves nothing.
		await dragCard(a, cardOf(a, ids.barbara), columnOf(a, 'interview'), 'middle', async () => {
			await a.getByTestId('board-drop-marker').waitFor();
			await a.keyboard.press('Escape');
			await a.getByTestId('board-drop-marker').waitFor({ state: 'detached' });
		});
		expect(await cardOf(a, ids.barbara).getAttribute('data-stage')).toBe('screening');

		// The keyboard way: "Move to…" on Alan's card, then Screening.
		await a.getByRole('button', { name: `Move ${BOARD_NAMES.alan} to…` }).focus();
		await a.keyboard.press('Enter');
		const menu = a.getByRole('menu', { name: `Move ${BOARD_NAMES.alan} to` });
		await menu.waitFor();
		await expect.poll(() => a.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('menuitem');
		await menu.getByRole('menuitem', { name: 'Screening' }).focus();
		await a.keyboard.press('Enter');
		await expect.poll(() => cardOf(b, ids.alan).getAttribute('data-stage')).toBe('screening');
		await eventually(async () => (await applicationOf(recruiter, ids.alan)).stage === 'screening');
		expect(await cardOf(b, ids.barbara).getAttribute('data-stage')).toBe('screening');
		expect((await applicationOf(recruiter, ids.barbara)).stage).toBe('screening');
		expect([...rita.problems, ...remy.problems]).toEqual([]);
	});

	it('a viewer watches live but cannot drag: nothing moves', async () => {
		const page = vic.page;
		await page.goto(`/requirements/${requirementId}/board`);
		await waitUntilLive(page, false);
		await page.getByTestId('board-status').getByText('Live · read-only').waitFor();
		// No checkboxes, no move menus.
		await cardOf(page, ids.barbara).waitFor();
		expect(await page.getByRole('checkbox').count()).toBe(0);
		expect(await page.getByRole('button', { name: /^Move .* to…$/ }).count()).toBe(0);

		const before = await applicationOf(recruiter, ids.barbara);
		await dragCard(page, cardOf(page, ids.barbara), columnOf(page, 'offer'), 'middle');
		expect(await cardOf(page, ids.barbara).getAttribute('data-stage')).toBe('screening');
		expect(await page.getByTestId('board-drop-marker').count()).toBe(0);

		// A later move by Rita reaches the viewer; by then Barbara has still not moved anywhere.
		await dragCard(rita.page, cardOf(rita.page, ids.margaret), columnOf(rita.page, 'offer'), 'middle');
		await expect.poll(() => cardOf(page, ids.margaret).getAttribute('data-stage'), { timeout: 10_000 }).toBe('offer');
		expect(await cardOf(page, ids.barbara).getAttribute('data-stage')).toBe('screening');
		expect(await cardOf(rita.page, ids.barbara).getAttribute('data-stage')).toBe('screening');
		const after = await applicationOf(recruiter, ids.barbara);
		expect(after.stage).toBe('screening');
		expect(after.version).toBe(before.version);
		// Rita and Remy see the viewer among those looking.
		await rita.page.locator('[data-testid="board-viewer"][data-name="Vic Viewer"]').waitFor();
		await screenshots(page, 'viewer');
		expect(vic.problems).toEqual([]);
	});

	it('an illegal move is put back by the server, and a toast says why', async () => {
		const page = rita.page;
		expect(await cardOf(page, ids.ken).getAttribute('data-stage')).toBe('hired');
		const before = await applicationOf(recruiter, ids.ken);
		await dragCard(page, cardOf(page, ids.ken), columnOf(page, 'offer'), 'bottom');
		const toast = page.getByTestId('board-toast');
		await toast
			.getByText(`${BOARD_NAMES.ken} was put back: A hired candidate can only be marked as withdrawn`)
			.waitFor();
		await expect.poll(() => cardOf(page, ids.ken).getAttribute('data-stage')).toBe('hired');
		await expect.poll(() => cardOf(remy.page, ids.ken).getAttribute('data-stage')).toBe('hired');
		// Remy did not make the move: no toast for him.
		expect(await remy.page.getByTestId('board-toast').count()).toBe(0);
		const after = await applicationOf(recruiter, ids.ken);
		expect(after.stage).toBe('hired');
		expect(after.version).toBe(before.version);
		expect(after.history).toHaveLength(before.history.length);
		await screenshots(page, 'reverted');
	});

	it('dropping a card on Rejected asks for the reason first', async () => {
		const page = rita.page;
		// Rejected is far to the right: holding the card at the board's right edge scrolls the columns.
		const card = cardOf(page, ids.alan);
		await page.getByTestId('board-scroller').evaluate((el) => (el.scrollLeft = 0));
		await card.scrollIntoViewIfNeeded();
		const from = (await card.boundingBox())!;
		const board = (await page.getByTestId('board-scroller').boundingBox())!;
		await page.mouse.move(from.x + from.width / 2, from.y + from.height - 6);
		await page.mouse.down();
		await page.mouse.move(from.x + from.width / 2 + 20, from.y + from.height, { steps: 3 });
		const rejected = columnOf(page, 'rejected');
		const edgeY = from.y + from.height;
		for (let i = 0; i < 200; i++) {
			const box = (await rejected.boundingBox())!;
			if (box.x + box.width / 2 < board.x + board.width - 60) break;
			await page.mouse.move(board.x + board.width - 10 - (i % 2), edgeY);
		}
		const target = (await rejected.boundingBox())!;
		await page.mouse.move(target.x + target.width / 2, target.y + 20, { steps: 5 });
		await page.getByTestId('board-drop-marker').waitFor();
		await page.mouse.up();
		const dialog = page.getByRole('dialog', { name: `Reject ${BOARD_NAMES.alan}` });
		await dialog.waitFor();
		await dialog.getByRole('combobox').selectOption({ label: 'Salary expectations' });
		await dialog.getByRole('button', { name: 'Reject' }).click();
		await expect.poll(() => cardOf(remy.page, ids.alan).getAttribute('data-stage')).toBe('rejected');
		await cardOf(remy.page, ids.alan).getByText('Salary expectations').waitFor();
		const stored = await eventually(async () => {
			const app = await applicationOf(recruiter, ids.alan);
			return app.stage === 'rejected' ? app : null;
		});
		expect(stored.rejection_reason).toBe('salary_expectations');
		expect(stored.history.at(-1)).toMatchObject({ from_stage: 'screening', to_stage: 'rejected', via: 'board' });
	});

	it('bulk move and tag report each card that failed', async () => {
		const page = rita.page;
		// Ken is hired: moving him back is refused; Barbara moves.
		await cardOf(page, ids.ken).getByRole('checkbox').check();
		await cardOf(page, ids.barbara).getByRole('checkbox').check();
		const bar = page.getByTestId('board-bulk');
		await bar.getByText('2 selected').waitFor();
		await bar.getByLabel('Move the selection to').selectOption({ label: 'Interview' });
		await bar.getByRole('button', { name: 'Move', exact: true }).click();
		const outcome = page.getByTestId('board-bulk-outcome');
		await outcome.getByText('Moved 1 of 2 — 1 failed').waitFor();
		await outcome.getByText(`${BOARD_NAMES.ken}: A hired candidate can only be marked as withdrawn`).waitFor();
		await expect.poll(() => cardOf(remy.page, ids.barbara).getAttribute('data-stage')).toBe('interview');
		expect(await cardOf(page, ids.ken).getAttribute('data-stage')).toBe('hired');
		// Ken stays selected (he failed); tag him.
		await bar.getByText('1 selected').waitFor();
		await bar.getByLabel('Tag to add').fill('alumni');
		await bar.getByRole('button', { name: 'Add tag' }).click();
		await outcome.getByText('Tagged 1 of 1').waitFor();
		await cardOf(page, ids.ken).getByText('alumni').waitFor();
	});

	it('a bulk reject with a reason moves 5 cards and writes 5 history rows', async () => {
		const page = rita.page;
		for (const [i, id] of bulkIds.entries()) {
			await cardOf(page, id)
				.getByRole('checkbox', { name: `Select ${BULK_NAMES[i]}` })
				.check();
		}
		const bar = page.getByTestId('board-bulk');
		await bar.getByText('5 selected').waitFor();
		await bar.getByLabel('Rejection reason').selectOption({ label: 'Position filled' });
		await screenshots(page, 'bulk');
		const historyBefore = await Promise.all(
			bulkIds.map(async (id) => (await applicationOf(recruiter, id)).history.length)
		);
		await bar.getByRole('button', { name: 'Reject' }).click();
		await page.getByTestId('board-bulk-outcome').getByText('Rejected 5 of 5').waitFor();
		// Both boards show the five in "rejected", beside Alan (the API writes Postgres, then the document).
		await expect.poll(() => columnIds(page, 'sourced')).toEqual([]);
		await expect
			.poll(async () => (await columnIds(remy.page, 'rejected')).sort())
			.toEqual([...bulkIds, ids.alan].sort());
		await cardOf(remy.page, bulkIds[0]).getByText('Position filled').waitFor();
		// Five history rows, one per card: sourced → rejected.
		let rows = 0;
		for (const [i, id] of bulkIds.entries()) {
			const stored = await applicationOf(recruiter, id);
			expect(stored.stage).toBe('rejected');
			expect(stored.rejection_reason).toBe('position_filled');
			const added = stored.history.slice(historyBefore[i]);
			expect(added).toHaveLength(1);
			expect(added[0]).toMatchObject({ from_stage: 'sourced', to_stage: 'rejected' });
			rows += added.length;
		}
		expect(rows).toBe(5);
		expect(await page.getByTestId('board-bulk').count()).toBe(0);
		await screenshots(page, 'after-bulk');
		expect([...rita.problems, ...remy.problems]).toEqual([]);
	});
});
