import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentNames } from '../../src/lib/collab/names';
import { cardsMap, metaMap, moveCard, readCards, readStages } from '../../src/lib/collab/pipeline';
import type { Actor } from '../../src/lib/server/actor';
import { createCandidate } from '../../src/lib/server/candidates/service';
import { inTransaction } from '../../src/lib/server/db/transaction';
import { applicationStageHistory, applications, departments, requirements } from '../../src/lib/server/db/schema';
import { addApplication, bulkAction, moveInTransaction } from '../../src/lib/server/pipeline/service';
import {
	createUserWithSession,
	openDocument,
	startCollab,
	waitFor,
	type OpenedTestDocument,
	type RunningCollab
} from '../helpers/collab';
import { BACKENDS } from '../helpers/env';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

/**
 * The board's server side in one process (runtime + sync server on port 0, stock providers):
 * the cases the HTTP-level suite cannot time — a REST move committed but not yet mirrored into
 * the document while a client changes another card; mirrors coalesced per board; clients
 * writing to the server-owned columns.
 */
describe.each(BACKENDS)('pipeline board server side on %s', (backend) => {
	let t: TestRuntime;
	let running: RunningCollab;
	let recruiter: Awaited<ReturnType<typeof createUserWithSession>>;
	let actor: Actor;
	const opened: OpenedTestDocument[] = [];

	beforeAll(async () => {
		t = await createTestRuntime({ backend });
		running = await startCollab(t.rt);
		recruiter = await createUserWithSession(t.rt.db, { role: 'recruiter', name: 'Rita Recruiter' });
		actor = { userId: recruiter.user.id, role: 'recruiter', name: 'Rita Recruiter' };
	});

	afterAll(async () => {
		for (const d of opened) d.destroy();
		await running?.close();
		await t?.close();
	});

	/** An open requirement with `n` cards in `sourced`, made through the services. */
	async function board(title: string, n: number) {
		const manager = await createUserWithSession(t.rt.db, { role: 'hiring_manager' });
		const [dept] = await t.rt.db
			.insert(departments)
			.values({ name: `${title} dept` })
			.returning();
		const [req] = await t.rt.db
			.insert(requirements)
			.values({
				title,
				departmentId: dept.id,
				hiringManagerId: manager.user.id,
				createdBy: manager.user.id,
				status: 'open'
			})
			.returning();
		const apps: string[] = [];
		for (let i = 0; i < n; i++) {
			const c = await createCandidate(t.rt, actor, { name: `${title} ${i}` });
			apps.push((await addApplication(t.rt, actor, req.id, c.id)).id);
		}
		return { requirementId: req.id, apps };
	}

	async function connect(requirementId: string) {
		const doc = openDocument({ url: running.url, name: documentNames.pipeline(requirementId), token: recruiter.token });
		opened.push(doc);
		await doc.synced;
		return doc;
	}

	const row = async (id: string) => {
		const [r] = await t.rt.db.select().from(applications).where(eq(applications.id, id));
		return r;
	};
	const historyCount = async (id: string) =>
		(await t.rt.db.select().from(applicationStageHistory).where(eq(applicationStageHistory.applicationId, id))).length;

	it('does not undo a committed move the document has not caught up with when a client changes another card', async () => {
		const { requirementId, apps } = await board('Stale', 2);
		const client = await connect(requirementId);
		await waitFor(() => readCards(client.doc).size === 2, { message: 'the cards' });
		// Committed in Postgres, its mirror not (yet) in the document.
		await inTransaction(t.rt.db, (tx, afterCommit) =>
			moveInTransaction(tx, t.rt, afterCommit, actor, apps[0], { stage: 'interview' }, 'api', { mirror: false })
		);
		expect(readCards(client.doc).get(apps[0])?.stage).toBe('sourced');
		// The client (still showing the old state of card 0) moves card 1.
		moveCard(client.doc, apps[1], 'screening');
		await waitFor(async () => (await row(apps[1])).stage === 'screening', { message: 'card 1 in Postgres' });
		// Card 0 keeps the committed move: the stale card in the document was not taken for a move back.
		const zero = await row(apps[0]);
		expect(zero.stage).toBe('interview');
		expect(await historyCount(apps[0])).toBe(2);
		expect(client.notices).toEqual([]);
	});

	it('mirrors many REST moves of one board in a few document updates, ending in the state of Postgres', async () => {
		const { requirementId, apps } = await board('Coalesced', 30);
		const client = await connect(requirementId);
		await waitFor(() => readCards(client.doc).size === 30, { message: 'the cards' });
		// Hold the first mirror until the bulk action is done: every later card joins the next round.
		const collab = t.rt.collab!;
		const real = collab.updateDocument!.bind(collab);
		const calls: string[] = [];
		let release!: () => void;
		const gate = new Promise<void>((resolve) => (release = resolve));
		collab.updateDocument = async (name, change) => {
			calls.push(name);
			if (calls.length === 1) await gate;
			return real(name, change);
		};
		try {
			const results = await bulkAction(t.rt, actor, requirementId, {
				action: 'reject',
				application_ids: apps,
				rejection_reason: 'position_filled'
			});
			expect(results.every((r) => r.ok)).toBe(true);
			release();
			await waitFor(() => apps.every((id) => readCards(client.doc).get(id)?.stage === 'rejected'), {
				message: 'every card rejected on the board'
			});
			expect(calls).toHaveLength(2);
			for (const id of apps) {
				const card = readCards(client.doc).get(id);
				const stored = await row(id);
				expect([card?.rank, card?.rejectionReason]).toEqual([stored.rank, 'position_filled']);
			}
		} finally {
			collab.updateDocument = real;
			release();
		}
	});

	it('puts the columns back when a client writes to them', async () => {
		const { requirementId } = await board('Columns', 1);
		const client = await connect(requirementId);
		await waitFor(() => readStages(client.doc).length === 8, { message: 'the columns' });
		metaMap(client.doc).set('stages', [{ key: 'hacked', label: 'Hacked' }]);
		await waitFor(() => readStages(client.doc).length === 8, { message: 'the columns restored' });
		expect(readStages(client.doc)[0]).toEqual({ key: 'sourced', label: 'Sourced' });
		// The requirement itself is untouched.
		const [req] = await t.rt.db.select().from(requirements).where(eq(requirements.id, requirementId));
		expect(req.pipelineStages).toBeNull();
	});

	it('settles a burst of moves by one client in order, each card once, and the board ends as Postgres', async () => {
		const { requirementId, apps } = await board('Burst', 12);
		const client = await connect(requirementId);
		await waitFor(() => readCards(client.doc).size === 12, { message: 'the cards' });
		const stages = ['applied', 'screening', 'interview'];
		apps.forEach((id, i) => moveCard(client.doc, id, stages[i % 3]));
		// And one card moved twice in a row: the last state wins.
		moveCard(client.doc, apps[0], 'offer');
		await waitFor(
			async () => {
				const rows = await t.rt.db
					.select()
					.from(applications)
					.where(and(eq(applications.requirementId, requirementId)));
				return rows.every((r) => r.stage === (r.id === apps[0] ? 'offer' : stages[apps.indexOf(r.id) % 3]));
			},
			{ message: 'every move in Postgres' }
		);
		await waitFor(
			async () => {
				const rows = await t.rt.db.select().from(applications).where(eq(applications.requirementId, requirementId));
				const cards = readCards(client.doc);
				return rows.every((r) => cards.get(r.id)?.rank === r.rank && cards.get(r.id)?.stage === r.stage);
			},
			{ message: 'the board to match Postgres' }
		);
		expect(client.notices).toEqual([]);
		// Card 0: created, then applied → offer (or straight to offer if both changes came in one batch).
		expect(await historyCount(apps[0])).toBeGreaterThanOrEqual(2);
		expect(cardsMap(client.doc).size).toBe(12);
	});
});
