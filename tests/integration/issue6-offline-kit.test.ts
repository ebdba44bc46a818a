import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/env';
import {
	addApplication,
	createCandidate,
	createMember,
	createOrg,
	openRequirement,
	startApp,
	uploadCvText,
	type Member,
	type Org,
	type RunningApp
} from '../helpers/hiring';
import { generalTemplate, hoursFromNow, type TemplateView } from '../helpers/interviews';
import { documentNames } from '../../src/lib/collab/names';

interface KitView {
	until: string;
	interviews: Array<{
		interview: { id: string; candidate_id: string; capabilities: { is_panelist: boolean } };
		candidate: { id: string; name: string; current_title: string | null } | null;
		cv: { text: string | null } | null;
		template: { id: string; name: string } | null;
		documents: Array<{ name: string; access: string }>;
	}>;
	boards: Array<{ name: string; access: string }>;
}

/**
 * The offline interview kit endpoint (issue 6, part 2) on the built app: the caller's scheduled
 * interviews of the next 7 days (as panelist; recruiters also those they organised) with candidate
 * summary, CV text, template, the notes document and only their OWN scorecard, plus the boards of
 * the requirements they work on — and nothing else: not other people's interviews, not those more
 * than 7 days out, not cancelled ones, never another panelist's scorecard, no document the sync
 * server would refuse them.
 */
describe.each(BACKENDS)('offline interview kit on %s', (backend) => {
	let running: RunningApp;
	let org: Org;
	let ana: Member; // on the panel of the interview tomorrow (and of the one in 10 days)
	let bo: Member; // on the panel of tomorrow's interview with Ana, and alone on another
	let dee: Member; // an interviewer on no panel
	let template: TemplateView;
	let requirementId: string;
	let otherRequirementId: string;
	const ids: Record<'tomorrow' | 'later' | 'boOnly' | 'cancelled', string> = {
		tomorrow: '',
		later: '',
		boOnly: '',
		cancelled: ''
	};
	let candidateId: string;

	async function schedule(application: string, startsInHours: number, panel: Member[]) {
		const res = await org.recruiter.api.post('/interviews', {
			application_id: application,
			type: 'technical',
			starts_at: hoursFromNow(startsInHours),
			ends_at: hoursFromNow(startsInHours + 1),
			time_zone: 'Europe/Paris',
			panel: panel.map((m, i) => ({ user_id: m.id, is_lead: i === 0 })),
			scorecard_template_id: template.id
		});
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body.data.interview.id as string;
	}

	async function kitOf(who: Member): Promise<KitView> {
		const res = await who.api.get('/offline/kit');
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return res.body.data as KitView;
	}

	beforeAll(async () => {
		running = await startApp(backend);
		org = await createOrg(running);
		ana = org.interviewer;
		bo = await createMember(running, 'interviewer', 'Bo Panel');
		dee = await createMember(running, 'interviewer', 'Dee Outside');
		template = await generalTemplate(org.recruiter);
		requirementId = (await openRequirement(org, 'Kit Engineer')).id;
		otherRequirementId = (await openRequirement(org, 'Other Role')).id;
		const candidate = await createCandidate(org.recruiter, { name: 'Kim Kitted', current_title: 'Data Engineer' });
		candidateId = candidate.id;
		await uploadCvText(
			running,
			org.recruiter,
			candidateId,
			'Kim Kitted\nBuilt a streaming pipeline on Kafka and Flink for offline-first trains.'
		);
		const application = (await addApplication(org.recruiter, requirementId, candidateId)).id;
		const other = await createCandidate(org.recruiter, { name: 'Olga Other' });
		const otherApplication = (await addApplication(org.recruiter, otherRequirementId, other.id)).id;
		ids.tomorrow = await schedule(application, 24, [ana, bo]);
		ids.later = await schedule(application, 24 * 10, [ana]);
		ids.boOnly = await schedule(otherApplication, 30, [bo]);
		ids.cancelled = await schedule(application, 48, [ana]);
		const cancelled = await org.recruiter.api.post(`/interviews/${ids.cancelled}/cancel`, {});
		expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
	});

	afterAll(async () => {
		await running?.close();
	});

	it("gives a panelist their interview of the next 7 days with candidate, CV text, template, notes and their own scorecard — nothing of others'", async () => {
		const kit = await kitOf(ana);
		expect(kit.interviews.map((i) => i.interview.id)).toEqual([ids.tomorrow]);
		const [item] = kit.interviews;
		expect(item.candidate).toMatchObject({ id: candidateId, name: 'Kim Kitted', current_title: 'Data Engineer' });
		expect(item.cv?.text).toContain('streaming pipeline on Kafka');
		expect(item.template?.id).toBe(template.id);
		expect(item.documents).toEqual([
			{ name: documentNames.interviewNotes(ids.tomorrow), access: 'write' },
			{ name: documentNames.scorecard(ids.tomorrow, ana.id), access: 'write' }
		]);
		// Bo's scorecard of the same interview is never in Ana's kit, nor anything of Bo's own interview.
		const names = JSON.stringify(kit);
		expect(names).not.toContain(documentNames.scorecard(ids.tomorrow, bo.id));
		expect(names).not.toContain(ids.boOnly);
		expect(names).not.toContain(ids.later);
		expect(names).not.toContain(ids.cancelled);
		// Interviewers do not read boards, so the kit lists none (the sync server would refuse them).
		expect(kit.boards).toEqual([]);
		expect(new Date(kit.until).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3_600_000);
	});

	it("gives the second panelist their own scorecard, not the first's", async () => {
		const kit = await kitOf(bo);
		expect(kit.interviews.map((i) => i.interview.id)).toEqual([ids.tomorrow, ids.boOnly]);
		const tomorrow = kit.interviews.find((i) => i.interview.id === ids.tomorrow)!;
		expect(tomorrow.documents.map((d) => d.name)).toEqual([
			documentNames.interviewNotes(ids.tomorrow),
			documentNames.scorecard(ids.tomorrow, bo.id)
		]);
		// Ana sits on the panel (listed by name), but her scorecard document is not in Bo's kit.
		expect(JSON.stringify(kit)).not.toContain(documentNames.scorecard(ids.tomorrow, ana.id));
	});

	it('gives the recruiter the interviews they organise (no scorecards: not on the panel) and those boards', async () => {
		const kit = await kitOf(org.recruiter);
		expect(kit.interviews.map((i) => i.interview.id)).toEqual([ids.tomorrow, ids.boOnly]);
		for (const item of kit.interviews) {
			expect(item.interview.capabilities.is_panelist).toBe(false);
			expect(item.documents).toEqual([{ name: documentNames.interviewNotes(item.interview.id), access: 'write' }]);
		}
		expect(kit.boards.map((b) => b.name).sort()).toEqual(
			[documentNames.pipeline(requirementId), documentNames.pipeline(otherRequirementId)].sort()
		);
		expect(kit.boards.every((b) => b.access === 'write')).toBe(true);
	});

	it('gives the hiring manager the boards of their requirements, and no interviews they are not on', async () => {
		const kit = await kitOf(org.manager);
		expect(kit.interviews).toEqual([]);
		expect(kit.boards.map((b) => b.name).sort()).toEqual(
			[documentNames.pipeline(requirementId), documentNames.pipeline(otherRequirementId)].sort()
		);
	});

	it('gives an interviewer on no panel an empty kit, and refuses anonymous callers', async () => {
		const kit = await kitOf(dee);
		expect(kit.interviews).toEqual([]);
		expect(kit.boards).toEqual([]);
		const anonymous = await fetch(`${running.url}/api/v1/offline/kit`);
		expect(anonymous.status).toBe(401);
	});
});
