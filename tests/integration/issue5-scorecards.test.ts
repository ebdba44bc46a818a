import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDocument, waitFor, type OpenedTestDocument } from '../helpers/collab';
import { BACKENDS } from '../helpers/env';
import { expectRejection } from '../helpers/errors';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	recordSyncStatuses,
	startApp,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import {
	competencyKeys,
	completeScorecard,
	databaseBehind,
	generalTemplate,
	type TemplateView
} from '../helpers/interviews';
import { documentNames } from '../../src/lib/collab/names';
import { evidenceText, readScorecard, setRating, setRecommendation, SUMMARY } from '../../src/lib/collab/scorecard';

/**
 * Live scorecards and their submission on the built app (issue 5), through a STOCK
 * @hocuspocus/provider: nobody reads a scorecard before it is submitted, panelists only after
 * submitting their own, only its interviewer writes it. Submitting checks completeness (422
 * naming what is missing), snapshots an immutable revision (the database refuses UPDATE and
 * DELETE), takes the live document when the body is empty; the debrief shows what each caller
 * may see.
 */
describe.each(BACKENDS)('scorecards and debrief on %s', (backend) => {
	let running: RunningApp;
	let org: Org;
	let ana: Member; // panelist A (lead)
	let bo: Member; // panelist B
	let cy: Member; // panelist C, never submits
	let dee: Member; // an interviewer on no panel
	let template: TemplateView;
	let applicationId: string;
	let interviewId: string;
	const opened: OpenedTestDocument[] = [];

	beforeAll(async () => {
		running = await startApp(backend);
		org = await createOrg(running);
		ana = org.interviewer;
		bo = await createMember(running, 'interviewer', 'Bo Panel');
		cy = await createMember(running, 'interviewer', 'Cy Panel');
		dee = await createMember(running, 'interviewer', 'Dee Outside');
		template = await generalTemplate(org.recruiter);
		const requirement = await openRequirement(org, 'Data Engineer');
		const candidate = await createCandidate(org.recruiter, { name: 'Sam Scored' });
		applicationId = (await addApplication(org.recruiter, requirement.id, candidate.id)).id;
		const scheduled = await org.recruiter.api.post('/interviews', {
			application_id: applicationId,
			type: 'technical',
			starts_at: '2027-05-03T09:00:00Z',
			ends_at: '2027-05-03T10:00:00Z',
			time_zone: 'Europe/Paris',
			panel: [{ user_id: ana.id, is_lead: true }, { user_id: bo.id }, { user_id: cy.id }],
			scorecard_template_id: template.id
		});
		expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
		interviewId = scheduled.body.data.interview.id;
	});

	afterAll(async () => {
		for (const doc of opened) doc.destroy();
		await running?.close();
	});

	function open(name: string, who: Member) {
		const doc = openDocument({ url: running.collabUrl, name, token: who.token });
		opened.push(doc);
		return doc;
	}

	/** Opens the document and says how the server answered: read-write, readonly or refused. */
	async function access(name: string, who: Member): Promise<string> {
		const doc = open(name, who);
		try {
			return await doc.authenticated;
		} catch (err) {
			return `refused: ${doc.refusals[0] ?? String(err)}`;
		} finally {
			doc.destroy();
		}
	}

	const cardOf = (owner: Member) => documentNames.scorecard(interviewId, owner.id);

	it("keeps A's live scorecard to A until it is submitted, then shows it read-only to submitted panelists and the team, never to others", async () => {
		// A writes their own card live: ratings, evidence, recommendation.
		const mine = open(cardOf(ana), ana);
		expect(await mine.authenticated).toBe('read-write');
		await mine.synced;
		mine.doc.transact(() => {
			for (const [i, key] of competencyKeys(template).entries()) {
				setRating(mine.doc, key, 1 + (i % 4));
				evidenceText(mine.doc, key).insert(0, `Live evidence ${key}`);
			}
			setRecommendation(mine.doc, 'yes');
			mine.doc.getText(SUMMARY).insert(0, 'Solid, from the live card');
		});
		await mine.flushed();

		// Not submitted: nobody else opens it — panelists, the team, admins, outsiders.
		for (const who of [bo, cy, dee, org.recruiter, org.manager, org.admin, org.viewer]) {
			expect(await access(cardOf(ana), who), who.name).toBe('refused: forbidden');
		}

		// B submits theirs; A's is still not submitted, so B still cannot read it.
		const bSubmit = await bo.api.post(
			`/interviews/${interviewId}/scorecard/submit`,
			completeScorecard(template, 4, 'strong_yes')
		);
		expect(bSubmit.status, JSON.stringify(bSubmit.body)).toBe(201);
		expect(await access(cardOf(ana), bo)).toBe('refused: forbidden');

		// A submits with an empty body: the server takes the live document's values.
		const aSubmit = await ana.api.post(`/interviews/${interviewId}/scorecard/submit`, {});
		expect(aSubmit.status, JSON.stringify(aSubmit.body)).toBe(201);
		expect(aSubmit.body.data).toMatchObject({
			revision: 1,
			recommendation: 'yes',
			summary: 'Solid, from the live card',
			user_id: ana.id
		});
		const live = readScorecard(mine.doc);
		expect(aSubmit.body.data.ratings).toEqual(live.ratings);
		expect(Object.keys(live.ratings).sort()).toEqual(competencyKeys(template).sort());

		// Now: B (submitted) and the team read it, read-only; C (not submitted) and outsiders do not.
		for (const who of [bo, org.recruiter, org.manager, org.admin]) {
			expect(await access(cardOf(ana), who), who.name).toBe('readonly');
		}
		for (const who of [cy, dee, org.viewer]) {
			expect(await access(cardOf(ana), who), who.name).toBe('refused: forbidden');
		}
		// A reads B's (A submitted too); A still writes their own.
		expect(await access(cardOf(bo), ana)).toBe('readonly');
		expect(await access(cardOf(ana), ana)).toBe('read-write');

		// What B sees is A's card, and nobody but A can change it.
		const seen = open(cardOf(ana), bo);
		await seen.synced;
		await waitFor(() => readScorecard(seen.doc).recommendation === 'yes');
		expect(readScorecard(seen.doc)).toEqual(live);
		const statuses = recordSyncStatuses(seen.provider);
		seen.doc.transact(() => {
			setRecommendation(seen.doc, 'strong_no');
			setRating(seen.doc, competencyKeys(template)[0], 1);
		});
		await waitFor(() => statuses.includes(false), { message: 'the server to refuse the read-only edit' });
		const recruiterView = open(cardOf(ana), org.recruiter);
		await recruiterView.synced;
		const recruiterStatuses = recordSyncStatuses(recruiterView.provider);
		recruiterView.doc.getText(SUMMARY).insert(0, 'Recruiter was here. ');
		await waitFor(() => recruiterStatuses.includes(false), { message: 'the server to refuse the recruiter' });
		// A fresh copy from the server: unchanged.
		const fresh = open(cardOf(ana), ana);
		await fresh.synced;
		expect(readScorecard(fresh.doc)).toEqual(live);
		expect(readScorecard(mine.doc)).toEqual(live);
	});

	it('refuses an incomplete scorecard naming what is missing, keeps every revision, and the database refuses changes in place', async () => {
		const incomplete = await cy.api.post(`/interviews/${interviewId}/scorecard/submit`, {
			ratings: { [competencyKeys(template)[0]]: { rating: 3, evidence: 'ok' } }
		});
		expect(incomplete.status).toBe(422);
		expect(incomplete.body.error.details).toEqual(
			expect.arrayContaining([{ field: 'recommendation', message: expect.any(String) }])
		);
		const partial = await cy.api.post(`/interviews/${interviewId}/scorecard/submit`, {
			ratings: { [competencyKeys(template)[0]]: { rating: 3, evidence: 'ok' } },
			recommendation: 'no'
		});
		expect(partial.status).toBe(422);
		expect(partial.body.error.message).toBe('The scorecard is not complete');
		expect(partial.body.error.details).toEqual(
			competencyKeys(template)
				.slice(1)
				.map((key) => ({ field: `ratings.${key}`, message: 'Rate this competency' }))
		);
		// An empty live card: everything is missing.
		const empty = await cy.api.post(`/interviews/${interviewId}/scorecard/submit`, {});
		expect(empty.status).toBe(422);
		expect((empty.body.error.details as Array<{ field: string }>).map((d) => d.field).sort()).toEqual(
			[...competencyKeys(template).map((k) => `ratings.${k}`), 'recommendation'].sort()
		);
		// Out-of-scale ratings are refused by the schema.
		const outOfScale = await cy.api.post(`/interviews/${interviewId}/scorecard/submit`, {
			...completeScorecard(template, 3, 'no'),
			ratings: { ...completeScorecard(template, 3, 'no').ratings, [competencyKeys(template)[1]]: { rating: 5 } }
		});
		expect(outOfScale.status).toBe(422);
		// Only the panel submits.
		expect(
			(await dee.api.post(`/interviews/${interviewId}/scorecard/submit`, completeScorecard(template, 3, 'yes'))).status
		).toBe(403);
		expect(
			(
				await org.recruiter.api.post(
					`/interviews/${interviewId}/scorecard/submit`,
					completeScorecard(template, 3, 'yes')
				)
			).status
		).toBe(403);

		// Ana changes her mind: revision 2, and revision 1 stays as it was.
		const second = await ana.api.post(
			`/interviews/${interviewId}/scorecard/submit`,
			completeScorecard(template, 2, 'no')
		);
		expect(second.status, JSON.stringify(second.body)).toBe(201);
		expect(second.body.data).toMatchObject({ revision: 2, recommendation: 'no' });
		const history = await org.recruiter.api.get(`/interviews/${interviewId}/feedback`);
		expect(history.status).toBe(200);
		const anas = (history.body.data.items as Array<Record<string, any>>).filter((f) => f.user_id === ana.id);
		expect(anas.map((f) => [f.revision, f.recommendation, f.summary])).toEqual([
			[1, 'yes', 'Solid, from the live card'],
			[2, 'no', 'Overall no']
		]);
		expect(anas[0].template.sections).toEqual(template.sections);
		// Cy (not submitted) sees no one's revisions; Bo sees Ana's and his own.
		expect((await cy.api.get(`/interviews/${interviewId}/feedback`)).body.data.items).toEqual([]);
		const boHistory = await bo.api.get(`/interviews/${interviewId}/feedback`);
		expect(new Set((boHistory.body.data.items as Array<{ user_id: string }>).map((f) => f.user_id))).toEqual(
			new Set([ana.id, bo.id])
		);
		expect((await dee.api.get(`/interviews/${interviewId}/feedback`)).status).toBe(403);
	});

	it('shows the debrief side by side with the competency grid and counts, to whom may see it', async () => {
		const debrief = await org.recruiter.api.get(`/applications/${applicationId}/debrief`);
		expect(debrief.status, JSON.stringify(debrief.body)).toBe(200);
		const data = debrief.body.data;
		// Latest revisions only: Ana's revision 2 (all 2s, "no") and Bo's (all 4s, "strong_yes").
		expect(
			(data.scorecards as Array<Record<string, any>>)
				.map((s) => [s.interviewer_name, s.revision, s.recommendation])
				.sort()
		).toEqual([
			['Bo Panel', 1, 'strong_yes'],
			['Ivan Interviewer', 2, 'no']
		]);
		expect(data.recommendations).toEqual({ strong_no: 0, no: 1, yes: 0, strong_yes: 1 });
		expect((data.grid as Array<{ key: string }>).map((g) => g.key)).toEqual(competencyKeys(template));
		for (const row of data.grid as Array<{ ratings: Array<{ rating: number }>; average: number; section: string }>) {
			expect(row.ratings.map((r) => r.rating).sort()).toEqual([2, 4]);
			expect(row.average).toBe(3);
		}
		expect(data.grid[0].section).toBe(template.sections[0].title);
		expect(data.interviews).toEqual([expect.objectContaining({ id: interviewId, visible: true })]);
		expect(data.debrief_document).toBe(documentNames.debrief(applicationId));
		// The hiring manager and admins see the same; outsiders nothing.
		expect((await org.manager.api.get(`/applications/${applicationId}/debrief`)).body.data.scorecards).toHaveLength(2);
		expect((await dee.api.get(`/applications/${applicationId}/debrief`)).status).toBe(403);
		expect((await org.viewer.api.get(`/applications/${applicationId}/debrief`)).status).toBe(403);
		// Cy sits on the panel without having submitted: the interview shows, its scorecards do not.
		const cyView = await cy.api.get(`/applications/${applicationId}/debrief`);
		expect(cyView.status).toBe(200);
		expect(cyView.body.data.scorecards).toEqual([]);
		expect(cyView.body.data.recommendations).toEqual({ strong_no: 0, no: 0, yes: 0, strong_yes: 0 });
		expect(cyView.body.data.interviews).toEqual([expect.objectContaining({ id: interviewId, visible: false })]);

		// A recruiter on a second panel is held to the same rule for that interview.
		const second = await org.recruiter.api.post('/interviews', {
			application_id: applicationId,
			type: 'culture',
			starts_at: '2027-05-04T09:00:00Z',
			ends_at: '2027-05-04T10:00:00Z',
			time_zone: 'UTC',
			panel: [{ user_id: org.recruiter.id, is_lead: true }, { user_id: dee.id }],
			scorecard_template_id: template.id
		});
		expect(second.status).toBe(201);
		const secondId: string = second.body.data.interview.id;
		expect(
			(await dee.api.post(`/interviews/${secondId}/scorecard/submit`, completeScorecard(template, 1, 'strong_no')))
				.status
		).toBe(201);
		const recruiterView = await org.recruiter.api.get(`/applications/${applicationId}/debrief`);
		const visible = Object.fromEntries(
			(recruiterView.body.data.interviews as Array<{ id: string; visible: boolean }>).map((i) => [i.id, i.visible])
		);
		expect(visible).toEqual({ [interviewId]: true, [secondId]: false });
		expect(recruiterView.body.data.recommendations.strong_no).toBe(0);
		// …and so is the live debrief note and Dee's card, until the recruiter submits.
		expect(await access(documentNames.debrief(applicationId), org.recruiter)).toBe('refused: forbidden');
		expect(await access(documentNames.scorecard(secondId, dee.id), org.recruiter)).toBe('refused: forbidden');
		expect(await access(documentNames.debrief(applicationId), org.manager)).toBe('read-write');
		expect(
			(await org.recruiter.api.post(`/interviews/${secondId}/scorecard/submit`, completeScorecard(template, 3, 'yes')))
				.status
		).toBe(201);
		const afterSubmit = await org.recruiter.api.get(`/applications/${applicationId}/debrief`);
		expect(afterSubmit.body.data.recommendations).toEqual({ strong_no: 1, no: 1, yes: 1, strong_yes: 1 });
		expect(await access(documentNames.debrief(applicationId), org.recruiter)).toBe('read-write');
		expect(await access(documentNames.scorecard(secondId, dee.id), org.recruiter)).toBe('readonly');
		// Dee (submitted on the second panel only) writes the note; Cy (owes a card) does not.
		expect(await access(documentNames.debrief(applicationId), dee)).toBe('read-write');
		expect(await access(documentNames.debrief(applicationId), cy)).toBe('refused: forbidden');
	});

	it('refuses UPDATE and DELETE of a submitted revision in the database itself', async () => {
		// Last: on PGlite this stops the app to open its data folder.
		const db = await databaseBehind(running);
		try {
			const [before] = await db.rows(
				`select id, recommendation, ratings::text as ratings from interview_feedback where interview_id = '${interviewId}' and user_id = '${ana.id}' and revision = 1`
			);
			expect(before).toMatchObject({ recommendation: 'yes' });
			await expectRejection(
				db.rows(`update interview_feedback set recommendation = 'strong_no' where id = '${String(before.id)}'`),
				/interview_feedback is immutable: UPDATE refused/
			);
			await expectRejection(
				db.rows(`delete from interview_feedback where interview_id = '${interviewId}'`),
				/interview_feedback is immutable: DELETE refused/
			);
			const after = await db.rows(
				`select revision, recommendation, ratings::text as ratings from interview_feedback where interview_id = '${interviewId}' and user_id = '${ana.id}' order by revision`
			);
			expect(after.map((r) => [r.revision, r.recommendation])).toEqual([
				[1, 'yes'],
				[2, 'no']
			]);
			expect(after[0].ratings).toBe(before.ratings);
			const [{ n }] = await db.rows(`select count(*)::int as n from interview_feedback`);
			expect(n).toBe(5);
		} finally {
			await db.close();
		}
	});
});
