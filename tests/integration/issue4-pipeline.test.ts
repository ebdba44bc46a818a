import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDocument, waitFor } from '../helpers/collab';
import { BACKENDS } from '../helpers/env';
import { minimalPdf } from '../helpers/fixtures';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	openStream,
	postForm,
	sql,
	startApp,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { readStages } from '../../src/lib/collab/pipeline';
import { documentNames } from '../../src/lib/collab/names';

interface HistoryRow {
	from_stage: string | null;
	to_stage: string;
	moved_by: string | null;
	moved_by_name: string | null;
	seconds_in_previous_stage: number | null;
	via: string;
	reason: string | null;
	created_at: string;
}

/**
 * The pipeline through the REST API on the built app (issue 4): the move rule table, stage
 * history, per-requirement stage lists (admins; live on open boards), bulk actions with results
 * per card, and the activity feed with its live stream.
 */
describe.each(BACKENDS)('pipeline over the API on %s', (backend) => {
	let running: RunningApp;
	let org: Org;

	beforeAll(async () => {
		running = await startApp(backend);
		org = await createOrg(running);
	});

	afterAll(async () => {
		await running?.close();
	});

	async function application(id: string) {
		const res = await org.recruiter.api.get(`/applications/${id}`);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return res.body.data as { stage: string; version: number; rejection_reason: string | null; history: HistoryRow[] };
	}

	async function move(id: string, body: Record<string, unknown>, who = org.recruiter) {
		return who.api.patch(`/applications/${id}/stage`, body);
	}

	async function newApplication(requirementId: string, name: string) {
		const c = await createCandidate(org.recruiter, { name });
		return { candidate: c, app: await addApplication(org.recruiter, requirementId, c.id) };
	}

	it('refuses illegal moves with 409 ILLEGAL_MOVE and the reason, and writes from/to/who/when/how long for legal ones', async () => {
		const req = await openRequirement(org, 'Rules Engineer');
		const { app } = await newApplication(req.id, 'Rory Rules');
		expect(app.stage).toBe('sourced');

		const noReason = await move(app.id, { stage: 'rejected', version: 1 });
		expect(noReason.status).toBe(409);
		expect(noReason.body.error.code).toBe('ILLEGAL_MOVE');
		expect(noReason.body.error.message).toMatch(/^Rejecting needs a reason \(one of: not_qualified/);
		expect(noReason.body.error.data).toMatchObject({ from: 'sourced', to: 'rejected', application_id: app.id });
		const unknown = await move(app.id, { stage: 'limbo', version: 1 });
		expect(unknown.status).toBe(409);
		expect(unknown.body.error.code).toBe('ILLEGAL_MOVE');
		expect(unknown.body.error.message).toBe('"limbo" is not a stage of this pipeline');
		const badReason = await move(app.id, { stage: 'rejected', version: 1, rejection_reason: 'vibes' });
		expect(badReason.status).toBe(422);
		expect(badReason.body.error.details[0].field).toBe('rejection_reason');
		const noVersion = await move(app.id, { stage: 'screening' });
		expect(noVersion.status).toBe(422);
		// Refused moves changed nothing.
		let current = await application(app.id);
		expect(current.stage).toBe('sourced');
		expect(current.version).toBe(1);
		expect(current.history).toHaveLength(1);

		// Legal moves, version-checked.
		expect((await move(app.id, { stage: 'screening', version: 1 })).status).toBe(200);
		const stale = await move(app.id, { stage: 'interview', version: 1 });
		expect(stale.status).toBe(409);
		expect(stale.body.error.code).toBe('VERSION_CONFLICT');
		const rejected = await move(app.id, { stage: 'rejected', version: 2, rejection_reason: 'salary_expectations' });
		expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
		expect(rejected.body.data.rejection_reason).toBe('salary_expectations');
		// Back from rejected (reconsidered): the reason goes.
		const back = await move(app.id, { stage: 'offer', version: 3 });
		expect(back.body.data.rejection_reason).toBeNull();
		expect((await move(app.id, { stage: 'hired', version: 4 })).status).toBe(200);
		const afterHired = await move(app.id, { stage: 'screening', version: 5 });
		expect(afterHired.status).toBe(409);
		expect(afterHired.body.error.message).toBe('A hired candidate can only be marked as withdrawn');
		expect((await move(app.id, { stage: 'withdrawn', version: 5 })).status).toBe(200);

		current = await application(app.id);
		expect(current.history.map((h) => [h.from_stage, h.to_stage])).toEqual([
			[null, 'sourced'],
			['sourced', 'screening'],
			['screening', 'rejected'],
			['rejected', 'offer'],
			['offer', 'hired'],
			['hired', 'withdrawn']
		]);
		for (const h of current.history) {
			expect(h.moved_by).toBe(org.recruiter.id);
			expect(h.moved_by_name).toBe('Rita Recruiter');
			expect(h.via).toBe('api');
			expect(Number.isNaN(Date.parse(h.created_at))).toBe(false);
		}
		expect(current.history[2].reason).toBe('salary_expectations');
		// Time in the previous stage = time between the two moves (whole seconds).
		for (let i = 1; i < current.history.length; i++) {
			const between =
				(Date.parse(current.history[i].created_at) - Date.parse(current.history[i - 1].created_at)) / 1000;
			expect(Math.abs((current.history[i].seconds_in_previous_stage ?? -99) - between)).toBeLessThanOrEqual(1);
		}
		// Audited, with the stage before and after.
		const audit = await org.admin.api.get(
			`/audit-logs?entity_type=application&entity_id=${app.id}&action=application.stage_changed&page_size=50`
		);
		expect(audit.body.data.pagination.total_items).toBe(5);
	});

	it('counts how long a card stayed in its stage (Postgres: the stage entered an hour ago)', async () => {
		const req = await openRequirement(org, 'Clock Engineer');
		const { app } = await newApplication(req.id, 'Clara Clock');
		const rewound = await sql(
			running.database,
			`update applications set stage_entered_at = now() - interval '1 hour' where id = $1 returning id`,
			[app.id]
		);
		expect((await move(app.id, { stage: 'screening', version: 1 })).status).toBe(200);
		const [, moved] = (await application(app.id)).history;
		if (rewound) expect(moved.seconds_in_previous_stage).toBeGreaterThanOrEqual(3600);
		else expect(moved.seconds_in_previous_stage).toBeGreaterThanOrEqual(0);
		expect(moved.seconds_in_previous_stage).toBeLessThan(3700);
	});

	it('lets only recruiters, admins and the requirement’s own hiring manager move cards', async () => {
		const req = await openRequirement(org, 'Permission Engineer');
		const { app } = await newApplication(req.id, 'Pat Permission');
		expect((await move(app.id, { stage: 'screening', version: 1 }, org.viewer)).status).toBe(403);
		expect((await move(app.id, { stage: 'screening', version: 1 }, org.interviewer)).status).toBe(403);
		const otherManager = await createMember(running, 'hiring_manager', 'Otto Othermanager');
		expect((await move(app.id, { stage: 'screening', version: 1 }, otherManager)).status).toBe(403);
		expect((await move(app.id, { stage: 'screening', version: 1 }, org.manager)).status).toBe(200);
		expect((await move(app.id, { stage: 'interview', version: 2 }, org.admin)).status).toBe(200);
		const missing = await move('00000000-0000-4000-8000-000000000000', { stage: 'screening', version: 1 });
		expect(missing.status).toBe(404);
		expect((await move('not-a-uuid', { stage: 'screening', version: 1 })).status).toBe(404);
	});

	it('lets admins rename, add and reorder stages; a stage in use cannot be removed; open boards get the columns live', async () => {
		const req = await openRequirement(org, 'Stages Engineer');
		const { app } = await newApplication(req.id, 'Sam Stages');
		const board = openDocument({
			url: running.collabUrl,
			name: documentNames.pipeline(req.id),
			token: org.manager.token
		});
		try {
			await board.synced;
			await waitFor(() => readStages(board.doc).length === 8, { message: 'the default columns' });
			const before = await org.admin.api.get(`/requirements/${req.id}/pipeline`);
			const version: number = before.body.data.version;
			const stages = [
				{ key: 'sourced', label: 'Sourced' },
				{ key: 'applied', label: 'Applied' },
				{ key: 'screening', label: 'Phone screen' },
				{ key: 'tech_test', label: 'Technical test' },
				{ key: 'interview', label: 'Interviews' },
				{ key: 'offer', label: 'Offer' },
				{ key: 'hired', label: 'Hired' }
			];
			expect((await org.recruiter.api.put(`/requirements/${req.id}/pipeline/stages`, { stages, version })).status).toBe(
				403
			);
			expect((await org.manager.api.put(`/requirements/${req.id}/pipeline/stages`, { stages, version })).status).toBe(
				403
			);
			const changed = await org.admin.api.put(`/requirements/${req.id}/pipeline/stages`, { stages, version });
			expect(changed.status, JSON.stringify(changed.body)).toBe(200);
			expect(changed.body.data.stages.map((s: { key: string }) => s.key)).toEqual([
				...stages.map((s) => s.key),
				'rejected',
				'withdrawn'
			]);
			// The open board got the new columns without reconnecting.
			await waitFor(() => readStages(board.doc).some((s) => s.key === 'tech_test'), { message: 'the new column' });
			expect(readStages(board.doc).find((s) => s.key === 'screening')?.label).toBe('Phone screen');
			expect(readStages(board.doc).map((s) => s.key)).toEqual(
				changed.body.data.stages.map((s: { key: string }) => s.key)
			);

			// Cards move into the new stage.
			expect((await move(app.id, { stage: 'tech_test', version: 1 })).status).toBe(200);
			// Removing the stage that holds the card: refused, naming it; a stale version: refused.
			const newVersion: number = changed.body.data.version;
			const withoutTech = stages.filter((s) => s.key !== 'tech_test');
			const inUse = await org.admin.api.put(`/requirements/${req.id}/pipeline/stages`, {
				stages: withoutTech,
				version: newVersion
			});
			expect(inUse.status).toBe(409);
			expect(inUse.body.error.code).toBe('STAGE_IN_USE');
			expect(inUse.body.error.message).toContain('tech_test (1)');
			const stale = await org.admin.api.put(`/requirements/${req.id}/pipeline/stages`, { stages, version });
			expect(stale.status).toBe(409);
			// Removing an empty stage (and reordering) is fine; a move to the removed stage is then illegal.
			const reordered = [stages[0], stages[1], stages[3], stages[2], stages[4], stages[6]];
			const ok = await org.admin.api.put(`/requirements/${req.id}/pipeline/stages`, {
				stages: reordered,
				version: newVersion
			});
			expect(ok.status, JSON.stringify(ok.body)).toBe(200);
			await waitFor(() => !readStages(board.doc).some((s) => s.key === 'offer'), { message: 'offer removed' });
			expect(readStages(board.doc).map((s) => s.key)).toEqual([
				...reordered.map((s) => s.key),
				'rejected',
				'withdrawn'
			]);
			const toRemoved = await move(app.id, { stage: 'offer', version: 2 });
			expect(toRemoved.status).toBe(409);
			expect(toRemoved.body.error.message).toBe('"offer" is not a stage of this pipeline');

			for (const bad of [
				[{ key: 'rejected', label: 'Nope' }],
				[
					{ key: 'a', label: 'A' },
					{ key: 'a', label: 'B' }
				],
				[{ key: 'Has Spaces', label: 'X' }],
				[]
			]) {
				const res = await org.admin.api.put(`/requirements/${req.id}/pipeline/stages`, {
					stages: bad,
					version: ok.body.data.version
				});
				expect(res.status, JSON.stringify(bad)).toBe(422);
			}
		} finally {
			board.destroy();
		}
	});

	it('bulk-rejects 5 cards with a reason (5 moves, 5 history rows), bulk-moves and tags, and reports failures per card', async () => {
		const req = await openRequirement(org, 'Bulk Engineer');
		const other = await openRequirement(org, 'Bulk Other');
		const apps = [];
		for (let i = 1; i <= 7; i++) apps.push(await newApplication(req.id, `Bulk Person ${i}`));
		const five = apps.slice(0, 5).map((a) => a.app.id);

		const noReason = await org.recruiter.api.post(`/requirements/${req.id}/pipeline/bulk`, {
			action: 'reject',
			application_ids: five
		});
		expect(noReason.status).toBe(422);
		expect(
			(
				await org.viewer.api.post(`/requirements/${req.id}/pipeline/bulk`, {
					action: 'reject',
					application_ids: five,
					rejection_reason: 'not_qualified'
				})
			).status
		).toBe(403);

		const rejected = await org.recruiter.api.post(`/requirements/${req.id}/pipeline/bulk`, {
			action: 'reject',
			application_ids: five,
			rejection_reason: 'position_filled'
		});
		expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
		expect(rejected.body.data).toMatchObject({ succeeded: 5, failed: 0 });
		for (const id of five) {
			const a = await application(id);
			expect(a.stage).toBe('rejected');
			expect(a.rejection_reason).toBe('position_filled');
			expect(a.history).toHaveLength(2);
			expect(a.history[1]).toMatchObject({
				from_stage: 'sourced',
				to_stage: 'rejected',
				via: 'bulk',
				reason: 'position_filled',
				moved_by: org.recruiter.id
			});
		}
		const board = await org.recruiter.api.get(`/requirements/${req.id}/pipeline`);
		expect(board.body.data.cards.filter((c: { stage: string }) => c.stage === 'rejected')).toHaveLength(5);

		// Bulk move, with failures reported per card: a hired card cannot move back, a card of
		// another requirement is not on this board.
		const [six, seven] = [apps[5].app, apps[6].app];
		expect((await move(seven.id, { stage: 'hired', version: 1 })).status).toBe(200);
		const foreign = await newApplication(other.id, 'Foreign Card');
		const moved = await org.manager.api.post(`/requirements/${req.id}/pipeline/bulk`, {
			action: 'move',
			application_ids: [six.id, seven.id, foreign.app.id],
			stage: 'interview'
		});
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		expect(moved.body.data).toMatchObject({ succeeded: 1, failed: 2 });
		const results = new Map(
			moved.body.data.results.map((r: { application_id: string }) => [r.application_id, r] as const)
		) as Map<string, { ok: boolean; error?: { code: string; message: string } }>;
		expect(results.get(six.id)).toEqual({ application_id: six.id, ok: true });
		expect(results.get(seven.id)?.error).toEqual({
			code: 'ILLEGAL_MOVE',
			message: 'A hired candidate can only be marked as withdrawn'
		});
		expect(results.get(foreign.app.id)?.error?.code).toBe('NOT_FOUND');
		expect((await application(six.id)).stage).toBe('interview');
		expect((await application(seven.id)).stage).toBe('hired');
		expect((await application(foreign.app.id)).stage).toBe('sourced');

		const tagged = await org.recruiter.api.post(`/requirements/${req.id}/pipeline/bulk`, {
			action: 'tag',
			application_ids: [six.id, seven.id],
			tags: ['Shortlist', 'Berlin']
		});
		expect(tagged.body.data).toMatchObject({ succeeded: 2, failed: 0 });
		for (const a of [apps[5], apps[6]]) {
			expect((await org.recruiter.api.get(`/candidates/${a.candidate.id}`)).body.data.tags).toEqual([
				'shortlist',
				'berlin'
			]);
		}
		const unknownAction = await org.recruiter.api.post(`/requirements/${req.id}/pipeline/bulk`, {
			action: 'delete',
			application_ids: [six.id]
		});
		expect(unknownAction.status).toBe(422);
	});

	it('lists candidate added, stage moved, document uploaded and note added, and streams a stage move live, filtered', async () => {
		const req = await openRequirement(org, 'Activity Engineer');
		const quiet = await openRequirement(org, 'Activity Quiet');
		const stream = await openStream(running.url, org.manager.token, `/activity/stream?requirement_id=${req.id}`);
		const quietStream = await openStream(running.url, org.viewer.token, `/activity/stream?requirement_id=${quiet.id}`);
		try {
			expect(stream.status).toBe(200);
			expect(stream.headers.get('content-type')).toBe('text/event-stream');
			await stream.next((e) => e.event === 'ready');
			await quietStream.next((e) => e.event === 'ready');

			const c = await createCandidate(org.recruiter, { name: 'Ava Activity' });
			const doc = await postForm(running.url, org.recruiter.token, `/candidates/${c.id}/resume`, {
				bytes: minimalPdf('Ava CV'),
				name: 'ava.pdf',
				type: 'application/pdf'
			});
			expect(doc.status).toBe(201);
			expect((await org.recruiter.api.post(`/candidates/${c.id}/notes`, { body: 'Great call' })).status).toBe(201);
			const app = await addApplication(org.recruiter, req.id, c.id);
			expect((await move(app.id, { stage: 'screening', version: 1 })).status).toBe(200);

			const live = await stream.next((e) => e.event === 'activity' && e.data.type === 'stage.moved');
			expect(live.data).toMatchObject({
				type: 'stage.moved',
				candidate_id: c.id,
				requirement_id: req.id,
				application_id: app.id,
				actor_id: org.recruiter.id,
				actor_name: 'Rita Recruiter',
				candidate_name: 'Ava Activity',
				requirement_title: 'Activity Engineer',
				data: { from: 'sourced', to: 'screening', via: 'api' }
			});
			// The stream filtered by requirement carries only this requirement's events.
			expect(stream.events.filter((e) => e.event === 'activity').every((e) => e.data.requirement_id === req.id)).toBe(
				true
			);
			// The other requirement's stream got none of it: a later event there proves it was listening.
			const q = await createCandidate(org.recruiter, { name: 'Quinn Quiet' });
			await addApplication(org.recruiter, quiet.id, q.id);
			await quietStream.next((e) => e.event === 'activity' && e.data.candidate_id === q.id);
			expect(quietStream.events.some((e) => e.data?.candidate_id === c.id)).toBe(false);

			const byCandidate = await org.manager.api.get(`/activity?candidate_id=${c.id}`);
			expect(byCandidate.status).toBe(200);
			const types = (byCandidate.body.data.items as Array<{ type: string }>).map((e) => e.type);
			expect(types).toEqual(['stage.moved', 'candidate.added', 'note.added', 'document.uploaded', 'candidate.added']);
			const byRequirement = await org.viewer.api.get(`/activity?requirement_id=${req.id}`);
			expect((byRequirement.body.data.items as Array<{ type: string }>).map((e) => e.type)).toEqual([
				'stage.moved',
				'candidate.added'
			]);
			// Newest first, paged with `before`.
			const first = await org.manager.api.get(`/activity?candidate_id=${c.id}&limit=2`);
			expect(first.body.data.items).toHaveLength(2);
			const rest = await org.manager.api.get(
				`/activity?candidate_id=${c.id}&limit=10&before=${encodeURIComponent(first.body.data.next_before)}`
			);
			expect((rest.body.data.items as Array<{ type: string }>).map((e) => e.type)).toEqual(types.slice(2));
			// Interviewers see no candidate activity.
			expect((await org.interviewer.api.get('/activity')).status).toBe(403);
			expect((await fetch(`${running.url}/api/v1/activity/stream`)).status).toBe(401);
		} finally {
			await stream.close();
			await quietStream.close();
		}
	});
});
