import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDocument, waitFor, type OpenedTestDocument } from '../helpers/collab';
import { BACKENDS } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createOrg,
	openRequirement,
	recordSyncStatuses,
	startApp,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { cardsMap, columnOrder, moveCard, readCards, type CardState } from '../../src/lib/collab/pipeline';
import { documentNames } from '../../src/lib/collab/names';

interface Card {
	id: string;
	candidate_id: string;
	stage: string;
	rank: string;
	rejection_reason: string | null;
}

/**
 * The live board `pipeline:<requirementId>` on the built app, through stock @hocuspocus/provider
 * clients (issue 4): the server validates every card a client changes with the same rule table
 * as the API — legal moves reach Postgres with history, audit and activity; illegal ones are put
 * back in the document and the client is told why; read-only roles cannot move; REST changes
 * reach connected boards; concurrent drops into one gap keep distinct places.
 */
describe.each(BACKENDS)('live pipeline board on %s', (backend) => {
	let running: RunningApp;
	let org: Org;
	const opened: OpenedTestDocument[] = [];

	beforeAll(async () => {
		running = await startApp(backend);
		org = await createOrg(running);
	});

	afterAll(async () => {
		for (const d of opened) d.destroy();
		await running?.close();
	});

	async function connect(requirementId: string, who: Member) {
		const board = openDocument({
			url: running.collabUrl,
			name: documentNames.pipeline(requirementId),
			token: who.token
		});
		opened.push(board);
		await board.authenticated;
		await board.synced;
		return board;
	}

	/** A requirement with `n` candidates in its pipeline (all in `sourced`). */
	async function boardWith(title: string, n: number) {
		const req = await openRequirement(org, title);
		const apps: Array<{ id: string; candidateId: string }> = [];
		for (let i = 1; i <= n; i++) {
			const c = await createCandidate(org.recruiter, { name: `${title} Person ${i}` });
			apps.push({ id: (await addApplication(org.recruiter, req.id, c.id)).id, candidateId: c.id });
		}
		return { req, apps };
	}

	async function stored(requirementId: string): Promise<Map<string, Card>> {
		const res = await org.recruiter.api.get(`/requirements/${requirementId}/applications`);
		expect(res.status).toBe(200);
		return new Map((res.body.data.items as Card[]).map((c) => [c.id, c]));
	}

	async function history(applicationId: string) {
		const res = await org.recruiter.api.get(`/applications/${applicationId}`);
		return res.body.data as { stage: string; version: number; history: Array<Record<string, any>> };
	}

	/** The document agrees with Postgres card for card (stage, rank, reason). */
	async function agreesWithPostgres(board: OpenedTestDocument, requirementId: string) {
		const db = await stored(requirementId);
		const doc = readCards(board.doc);
		if (doc.size !== db.size) return false;
		for (const [id, card] of db) {
			const d = doc.get(id);
			if (!d || d.stage !== card.stage || d.rank !== card.rank) return false;
			if ((d.rejectionReason ?? null) !== card.rejection_reason) return false;
		}
		return true;
	}

	it('loads the board from Postgres: one card per application, in rank order', async () => {
		const { req, apps } = await boardWith('Loaded', 3);
		const board = await connect(req.id, org.recruiter);
		expect(board.provider.authorizedScope).toBe('read-write');
		await waitFor(() => agreesWithPostgres(board, req.id), { message: 'the board to match Postgres' });
		expect(columnOrder(readCards(board.doc), 'sourced')).toEqual(apps.map((a) => a.id));
	});

	it('reverts an illegal move made in the document, leaves Postgres unchanged and tells the client why', async () => {
		const { req, apps } = await boardWith('Illegal', 3);
		const board = await connect(req.id, org.recruiter);
		const watcher = await connect(req.id, org.manager);
		await waitFor(() => readCards(board.doc).size === 3, { message: 'the cards' });
		const [a, b, c] = apps;
		const original = readCards(board.doc).get(a.id) as CardState;

		// To `rejected` without a reason.
		cardsMap(board.doc).set(a.id, { stage: 'rejected', rank: original.rank });
		await waitFor(() => board.notices.length >= 1, { message: 'the reverted notice' });
		expect(board.notices[0]).toEqual({
			type: 'reverted',
			message: expect.stringMatching(/^Rejecting needs a reason/),
			detail: {
				applications: [a.id],
				reasons: [expect.stringMatching(/^Rejecting needs a reason/)],
				stages: ['rejected']
			}
		});
		await waitFor(() => readCards(board.doc).get(a.id)?.stage === 'sourced', { message: 'the card back in sourced' });
		// Every other client ends with the card where it was, too.
		await waitFor(() => readCards(watcher.doc).get(a.id)?.stage === 'sourced', { message: 'the watcher reverted' });
		let row = await history(a.id);
		expect(row.stage).toBe('sourced');
		expect(row.version).toBe(1);
		expect(row.history).toHaveLength(1);

		// To a stage the pipeline does not have.
		moveCard(board.doc, b.id, 'limbo');
		await waitFor(() => board.notices.length >= 2, { message: 'the second notice' });
		expect(board.notices[1]).toMatchObject({ type: 'reverted', message: '"limbo" is not a stage of this pipeline' });
		await waitFor(() => readCards(board.doc).get(b.id)?.stage === 'sourced', { message: 'b back' });
		row = await history(b.id);
		expect([row.stage, row.history.length]).toEqual(['sourced', 1]);

		// A card removed, a card for no application, a rank that is not a position: all put back.
		board.doc.transact(() => {
			cardsMap(board.doc).delete(c.id);
			cardsMap(board.doc).set('00000000-0000-4000-8000-000000000000', { stage: 'sourced', rank: 'a0' });
			cardsMap(board.doc).set(a.id, { stage: 'screening', rank: 'not a rank!' });
		});
		await waitFor(() => board.notices.length >= 3, { message: 'the third notice' });
		expect((board.notices[2] as { detail: { applications: string[] } }).detail.applications.sort()).toEqual(
			[a.id, c.id, '00000000-0000-4000-8000-000000000000'].sort()
		);
		await waitFor(() => agreesWithPostgres(board, req.id), { message: 'the board restored' });
		await waitFor(() => agreesWithPostgres(watcher, req.id), { message: "the watcher's board restored" });
		for (const app of apps) expect((await history(app.id)).history).toHaveLength(1);
		// Nothing was written for any of these attempts.
		const audit = await org.admin.api.get(`/audit-logs?entity_type=application&entity_id=${a.id}&page_size=50`);
		expect(audit.body.data.items.map((e: { action: string }) => e.action)).toEqual(['application.created']);
	});

	it('writes a legal move made in the document to Postgres with history (via board), audit and activity', async () => {
		const { req, apps } = await boardWith('Legal', 3);
		const board = await connect(req.id, org.recruiter);
		const watcher = await connect(req.id, org.viewer);
		await waitFor(() => readCards(board.doc).size === 3, { message: 'the cards' });
		const [a, , c] = apps;

		const state = moveCard(board.doc, a.id, 'screening');
		await waitFor(async () => (await history(a.id)).stage === 'screening', { message: 'the move in Postgres' });
		const row = await history(a.id);
		expect(row.history[1]).toMatchObject({
			from_stage: 'sourced',
			to_stage: 'screening',
			via: 'board',
			moved_by: org.recruiter.id
		});
		expect(row.history[1].seconds_in_previous_stage).toBeGreaterThanOrEqual(0);
		expect((await stored(req.id)).get(a.id)?.rank).toBe(state.rank);
		await waitFor(() => readCards(watcher.doc).get(a.id)?.stage === 'screening', { message: 'the watcher sees it' });
		const audit = await org.admin.api.get(
			`/audit-logs?entity_type=application&entity_id=${a.id}&action=application.stage_changed`
		);
		expect(audit.body.data.items).toHaveLength(1);
		expect(audit.body.data.items[0]).toMatchObject({
			actor_id: org.recruiter.id,
			before: { stage: 'sourced' },
			after: { stage: 'screening' },
			metadata: { via: 'board', requirement_id: req.id }
		});
		const feed = await org.recruiter.api.get(`/activity?requirement_id=${req.id}&limit=5`);
		expect(feed.body.data.items[0]).toMatchObject({
			type: 'stage.moved',
			application_id: a.id,
			actor_id: org.recruiter.id,
			data: { from: 'sourced', to: 'screening', via: 'board' }
		});

		// Rejecting with a reason on the board is legal too; the reason is stored.
		moveCard(board.doc, c.id, 'rejected', undefined, { rejectionReason: 'culture_fit' });
		await waitFor(async () => (await stored(req.id)).get(c.id)?.rejection_reason === 'culture_fit', {
			message: 'the rejection in Postgres'
		});
		// A second card joins the column at its end, then is dragged above the first: a reorder,
		// written (audited as such) without a history row.
		moveCard(board.doc, apps[1].id, 'screening');
		await waitFor(async () => (await stored(req.id)).get(apps[1].id)?.stage === 'screening', {
			message: 'the second move'
		});
		moveCard(board.doc, apps[1].id, 'screening', 0);
		await waitFor(
			async () => {
				const db = await stored(req.id);
				return (db.get(apps[1].id)?.rank ?? '') < (db.get(a.id)?.rank ?? '');
			},
			{ message: 'the reorder in Postgres' }
		);
		await waitFor(() => agreesWithPostgres(board, req.id), { message: 'the board to match Postgres' });
		expect(columnOrder(readCards(board.doc), 'screening')).toEqual([apps[1].id, a.id]);
		expect((await history(apps[1].id)).history).toHaveLength(2);
		const reorder = await org.admin.api.get(
			`/audit-logs?entity_type=application&entity_id=${apps[1].id}&action=application.reordered`
		);
		expect(reorder.body.data.items).toHaveLength(1);
		expect(board.notices).toEqual([]);
	});

	it("ignores a read-only viewer's move: not applied, not in Postgres, not seen by others", async () => {
		const { req, apps } = await boardWith('Readonly', 2);
		const viewer = await connect(req.id, org.viewer);
		const recruiter = await connect(req.id, org.recruiter);
		expect(viewer.provider.authorizedScope).toBe('readonly');
		await waitFor(() => readCards(viewer.doc).size === 2 && readCards(recruiter.doc).size === 2, {
			message: 'the cards'
		});
		const statuses = recordSyncStatuses(viewer.provider);
		moveCard(viewer.doc, apps[0].id, 'offer');
		// The server answered the viewer's update with "not applied".
		await waitFor(() => statuses.includes(false), { message: 'the refusal of the update' });
		// A legal move by the recruiter afterwards is settled, and the viewer's card is still where it was.
		moveCard(recruiter.doc, apps[1].id, 'screening');
		await waitFor(async () => (await history(apps[1].id)).stage === 'screening', { message: 'the recruiter move' });
		await waitFor(() => readCards(viewer.doc).get(apps[1].id)?.stage === 'screening', {
			message: 'the viewer receives the recruiter move'
		});
		const row = await history(apps[0].id);
		expect([row.stage, row.version, row.history.length]).toEqual(['sourced', 1, 1]);
		expect(readCards(recruiter.doc).get(apps[0].id)?.stage).toBe('sourced');
	});

	it('shows a REST move and a new application on connected boards', async () => {
		const { req, apps } = await boardWith('Rest', 2);
		const recruiter = await connect(req.id, org.recruiter);
		const viewer = await connect(req.id, org.viewer);
		await waitFor(() => readCards(viewer.doc).size === 2, { message: 'the cards' });

		const moved = await org.manager.api.patch(`/applications/${apps[0].id}/stage`, { stage: 'interview', version: 1 });
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		for (const board of [recruiter, viewer]) {
			await waitFor(() => readCards(board.doc).get(apps[0].id)?.stage === 'interview', {
				message: 'the REST move on the board'
			});
			expect(readCards(board.doc).get(apps[0].id)?.rank).toBe(moved.body.data.rank);
		}
		const rejected = await org.recruiter.api.patch(`/applications/${apps[1].id}/stage`, {
			stage: 'rejected',
			version: 1,
			rejection_reason: 'no_show'
		});
		expect(rejected.status).toBe(200);
		await waitFor(() => readCards(viewer.doc).get(apps[1].id)?.rejectionReason === 'no_show', {
			message: 'the rejection with its reason'
		});

		const newcomer = await createCandidate(org.recruiter, { name: 'Nina Newcomer' });
		const added = await addApplication(org.recruiter, req.id, newcomer.id, 'screening');
		await waitFor(() => readCards(viewer.doc).get(added.id)?.stage === 'screening', { message: 'the new card' });
		expect(readCards(viewer.doc).get(added.id)?.rank).toBe(added.rank);

		// Deleting the candidate takes the card off the boards.
		expect((await org.admin.api.delete(`/candidates/${newcomer.id}`)).status).toBe(200);
		await waitFor(() => !readCards(viewer.doc).has(added.id), { message: 'the card removed' });
		await waitFor(() => agreesWithPostgres(recruiter, req.id), { message: 'the board to match Postgres' });
		// The server's own changes are never "reverted" to anyone.
		expect(recruiter.notices).toEqual([]);
	});

	it('keeps both of two concurrent drops into the same gap, with distinct ranks', async () => {
		const { req, apps } = await boardWith('Concurrent', 5);
		const one = await connect(req.id, org.recruiter);
		const two = await connect(req.id, org.manager);
		await waitFor(() => readCards(one.doc).size === 5 && readCards(two.doc).size === 5, { message: 'the cards' });
		// One card starts in another column.
		moveCard(one.doc, apps[4].id, 'screening');
		await waitFor(async () => (await stored(req.id)).get(apps[4].id)?.stage === 'screening', { message: 'setup' });
		await waitFor(() => readCards(two.doc).get(apps[4].id)?.stage === 'screening', { message: 'setup seen' });

		// Both drop a card between the first and the second card of `sourced`, at the same moment.
		const first = moveCard(one.doc, apps[3].id, 'sourced', 1);
		const second = moveCard(two.doc, apps[4].id, 'sourced', 1);
		expect(second.rank).toBe(first.rank); // the same gap, the same rank: a real collision

		await waitFor(
			async () => {
				const db = await stored(req.id);
				return db.get(apps[3].id)?.stage === 'sourced' && db.get(apps[4].id)?.stage === 'sourced';
			},
			{ message: 'both moves in Postgres' }
		);
		const db = await stored(req.id);
		const ranks = [...db.values()].filter((c) => c.stage === 'sourced').map((c) => c.rank);
		expect(new Set(ranks).size).toBe(ranks.length);
		// Both dropped cards sit between the first and the second card of the column.
		const order = [...db.values()]
			.filter((c) => c.stage === 'sourced')
			.sort((x, y) => (x.rank < y.rank ? -1 : 1))
			.map((c) => c.id);
		expect(order[0]).toBe(apps[0].id);
		expect(order.slice(1, 3).sort()).toEqual([apps[3].id, apps[4].id].sort());
		expect(order.slice(3)).toEqual([apps[1].id, apps[2].id]);
		// Both clients end with exactly what Postgres holds.
		await waitFor(() => agreesWithPostgres(one, req.id), { message: 'client one converged' });
		await waitFor(() => agreesWithPostgres(two, req.id), { message: 'client two converged' });
		expect(columnOrder(readCards(one.doc), 'sourced')).toEqual(order);
		expect(one.notices).toEqual([]);
		expect(two.notices).toEqual([]);
		// Two history rows for the card that changed column (setup + drop), history untouched for the reorder.
		expect((await history(apps[4].id)).history.map((h) => h.to_stage)).toEqual(['sourced', 'screening', 'sourced']);
		expect((await history(apps[3].id)).history).toHaveLength(1);
	});
});
