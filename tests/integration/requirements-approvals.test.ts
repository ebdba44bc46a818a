import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { createUser, registerAdmin } from '../helpers/org';

type Client = ReturnType<typeof apiClient>;
type Started = Awaited<ReturnType<typeof startProcess>>;

describe.each(BACKENDS)('requirements and approval workflows on %s', (backend) => {
	let app: Started;
	let database: TestDatabase | undefined;
	let admin: { api: Client; id: string };
	let hm: { api: Client; id: string };
	const approvers: Record<string, { api: Client; id: string }> = {};
	let engineering: string;
	let level: string;

	beforeAll(async () => {
		database = backend === 'postgres' ? await createTestDatabase('postgres') : undefined;
		app = await startProcess({ env: database?.url ? { DATABASE_URL: database.url } : {} });
		admin = await registerAdmin(app.url);
		hm = await createUser(app.url, admin.api, 'hiring_manager', 'Hannah Manager');
		for (const [key, name] of [
			['lead1', 'Lena Lead'],
			['lead2', 'Luis Lead'],
			['fin1', 'Fiona Finance'],
			['fin2', 'Felix Finance'],
			['head', 'Hugo Head']
		]) {
			approvers[key] = await createUser(app.url, admin.api, 'approver', name);
		}
		const dept = await admin.api.post('/departments', { name: 'Engineering', head_user_id: approvers.head.id });
		expect(dept.status).toBe(201);
		engineering = dept.body.data.id;
		const lvl = await admin.api.post('/job-levels', {
			name: 'Senior',
			rank: 3,
			salary_min: 70000,
			salary_max: 95000,
			currency: 'EUR'
		});
		expect(lvl.status).toBe(201);
		level = lvl.body.data.id;
		const workflow = await admin.api.post('/approval-workflows', {
			name: 'Engineering hires',
			subject_type: 'requirement',
			department_id: engineering,
			steps: [
				{
					name: 'Tech leads',
					approvers: [
						{ type: 'user', userId: approvers.lead1.id },
						{ type: 'user', userId: approvers.lead2.id }
					],
					rule: 'all'
				},
				{
					name: 'Finance',
					approvers: [
						{ type: 'user', userId: approvers.fin1.id },
						{ type: 'user', userId: approvers.fin2.id }
					],
					rule: 'any'
				},
				{ name: 'Department head', approvers: [{ type: 'department_head' }], rule: 'any' }
			]
		});
		expect(workflow.status, JSON.stringify(workflow.body)).toBe(201);
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	async function newRequirement(title: string) {
		const res = await hm.api.post('/requirements', {
			title,
			department_id: engineering,
			job_level_id: level,
			headcount: 2,
			employment_type: 'full_time',
			location_city: 'Berlin',
			location_country: 'de',
			remote_policy: 'hybrid',
			salary_min: 70000,
			salary_max: 90000,
			currency: 'eur',
			justification: 'The team doubles next year'
		});
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		expect(res.body.data.status).toBe('draft');
		expect(res.body.data.location_country).toBe('DE');
		return res.body.data as { id: string; version: number; reference: string };
	}

	async function pendingFor(who: { api: Client }, requirementId: string) {
		const res = await who.api.get('/approvals/pending');
		expect(res.status).toBe(200);
		return (res.body.data.items as Array<{ id: string; subject_id: string; step_name: string }>).filter(
			(a) => a.subject_id === requirementId
		);
	}

	async function decide(
		who: { api: Client },
		approvalId: string,
		decision: 'approve' | 'reject' | 'request-info',
		comment?: string
	) {
		const res = await who.api.post(`/approvals/${approvalId}/${decision}`, comment ? { comment } : {});
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		return res.body.data as { outcome: string };
	}

	it('runs a three-step workflow (all of two leads, any of finance, the department head) to approval', async () => {
		const req = await newRequirement('Senior Backend Engineer');
		const submitted = await hm.api.post(`/requirements/${req.id}/submit`, {});
		expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
		expect(submitted.body.data.status).toBe('pending_approval');

		// Step 1: both leads must approve.
		const [a1] = await pendingFor(approvers.lead1, req.id);
		const [a2] = await pendingFor(approvers.lead2, req.id);
		expect(a1.step_name).toBe('Tech leads');
		expect(await pendingFor(approvers.fin1, req.id)).toHaveLength(0);
		expect((await decide(approvers.lead1, a1.id, 'approve')).outcome).toBe('step_open');
		expect(await pendingFor(approvers.fin1, req.id)).toHaveLength(0);
		expect((await decide(approvers.lead2, a2.id, 'approve', 'Go')).outcome).toBe('next_step');

		// Step 2: any one of finance.
		const [f1] = await pendingFor(approvers.fin1, req.id);
		const [f2] = await pendingFor(approvers.fin2, req.id);
		expect(f1.step_name).toBe('Finance');
		expect((await decide(approvers.fin2, f2.id, 'approve')).outcome).toBe('next_step');
		expect(await pendingFor(approvers.fin1, req.id)).toHaveLength(0);
		const late = await approvers.fin1.api.post(`/approvals/${f1.id}/approve`, {});
		expect(late.status).toBe(409);

		// Step 3: the department head (from the department, not named in the workflow).
		const [h] = await pendingFor(approvers.head, req.id);
		expect(h.step_name).toBe('Department head');
		expect((await decide(approvers.head, h.id, 'approve')).outcome).toBe('approved');

		const final = await hm.api.get(`/requirements/${req.id}`);
		expect(final.body.data.status).toBe('approved');
		expect(final.body.data.approved_at).toBeTruthy();

		const chain = await hm.api.get(`/requirements/${req.id}/approvals`);
		const steps = chain.body.data.rounds[0].steps as Array<{
			name: string;
			state: string;
			approvals: Array<{ status: string }>;
		}>;
		expect(steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
		expect(steps[1].approvals.map((a) => a.status).sort()).toEqual(['approved', 'skipped']);

		// The manager was told, in the app.
		const notes = await hm.api.get('/notifications');
		expect(
			notes.body.data.items.some(
				(n: { kind: string; subject_id: string }) => n.kind === 'requirement_approved' && n.subject_id === req.id
			)
		).toBe(true);
		expect(notes.body.data.unread_count).toBeGreaterThan(0);

		// Every action is in the audit log with its actor.
		const audit = await admin.api.get(`/audit-logs?entity_type=requirement&entity_id=${req.id}&page_size=100`);
		const entries = audit.body.data.items as Array<{ action: string; actor_id: string | null }>;
		const byAction = (action: string) => entries.filter((e) => e.action === action).map((e) => e.actor_id);
		expect(byAction('requirement.created')).toEqual([hm.id]);
		expect(byAction('requirement.submitted')).toEqual([hm.id]);
		expect(byAction('approval.approved').sort()).toEqual(
			[approvers.lead1.id, approvers.lead2.id, approvers.fin2.id, approvers.head.id].sort()
		);
		expect(byAction('requirement.approved')).toEqual([approvers.head.id]);
	});

	it('ends the chain on a rejection at step 2', async () => {
		const req = await newRequirement('Data Engineer');
		await hm.api.post(`/requirements/${req.id}/submit`, {});
		for (const lead of [approvers.lead1, approvers.lead2]) {
			const [a] = await pendingFor(lead, req.id);
			await decide(lead, a.id, 'approve');
		}
		const [f1] = await pendingFor(approvers.fin1, req.id);
		const noComment = await approvers.fin1.api.post(`/approvals/${f1.id}/reject`, {});
		expect(noComment.status).toBe(422);
		expect(noComment.body.error.details[0].field).toBe('comment');
		expect((await decide(approvers.fin1, f1.id, 'reject', 'No budget this year')).outcome).toBe('rejected');
		expect(await pendingFor(approvers.fin2, req.id)).toHaveLength(0);
		expect(await pendingFor(approvers.head, req.id)).toHaveLength(0);
		const final = await hm.api.get(`/requirements/${req.id}`);
		expect(final.body.data.status).toBe('rejected');
		const timeline = await hm.api.get(`/requirements/${req.id}/timeline`);
		const rejection = (timeline.body.data.items as Array<{ kind: string; decision?: string; comment?: string }>).find(
			(e) => e.kind === 'approval' && e.decision === 'rejected'
		);
		expect(rejection?.comment).toBe('No budget this year');
	});

	it('sends a requirement back on request-info; the resubmission starts again at step 1', async () => {
		const req = await newRequirement('Frontend Engineer');
		await hm.api.post(`/requirements/${req.id}/submit`, {});
		const [a1] = await pendingFor(approvers.lead1, req.id);
		expect((await decide(approvers.lead1, a1.id, 'request-info', 'Which team?')).outcome).toBe('info_requested');
		const back = await hm.api.get(`/requirements/${req.id}`);
		expect(back.body.data.status).toBe('draft');
		expect(await pendingFor(approvers.lead2, req.id)).toHaveLength(0);
		const notes = await hm.api.get('/notifications');
		expect(
			notes.body.data.items.some(
				(n: { kind: string; subject_id: string }) => n.kind === 'info_requested' && n.subject_id === req.id
			)
		).toBe(true);

		const edited = await hm.api.patch(`/requirements/${req.id}`, {
			justification: 'For the checkout team',
			version: back.body.data.version
		});
		expect(edited.status, JSON.stringify(edited.body)).toBe(200);
		const resubmitted = await hm.api.post(`/requirements/${req.id}/submit`, {});
		expect(resubmitted.body.data.status).toBe('pending_approval');
		expect(await pendingFor(approvers.lead1, req.id)).toHaveLength(1);
		expect(await pendingFor(approvers.lead2, req.id)).toHaveLength(1);
		const chain = await hm.api.get(`/requirements/${req.id}/approvals`);
		expect(chain.body.data.rounds.map((r: { round: number; status: string }) => [r.round, r.status])).toEqual([
			[2, 'active'],
			[1, 'info_requested']
		]);
	});

	it('resets the approvals when the salary changes after submission (audited)', async () => {
		const req = await newRequirement('Site Reliability Engineer');
		await hm.api.post(`/requirements/${req.id}/submit`, {});
		for (const lead of [approvers.lead1, approvers.lead2]) {
			const [a] = await pendingFor(lead, req.id);
			await decide(lead, a.id, 'approve');
		}
		expect(await pendingFor(approvers.fin1, req.id)).toHaveLength(1);
		const current = await hm.api.get(`/requirements/${req.id}`);
		const changed = await hm.api.patch(`/requirements/${req.id}`, {
			salary_max: 99000,
			version: current.body.data.version
		});
		expect(changed.status, JSON.stringify(changed.body)).toBe(200);
		expect(changed.body.data.status).toBe('pending_approval');
		// Step 2 is withdrawn; step 1 asks both leads again.
		expect(await pendingFor(approvers.fin1, req.id)).toHaveLength(0);
		expect(await pendingFor(approvers.lead1, req.id)).toHaveLength(1);
		const audit = await admin.api.get(
			`/audit-logs?entity_type=requirement&entity_id=${req.id}&action=approval.chain_reset`
		);
		expect(audit.body.data.items).toHaveLength(1);
		expect(audit.body.data.items[0].actor_id).toBe(hm.id);
		expect(audit.body.data.items[0].metadata.reason).toMatch(/salary/);

		// A non-relevant change (the title) does not reset anything.
		const now = await hm.api.get(`/requirements/${req.id}`);
		await hm.api.patch(`/requirements/${req.id}`, { title: 'Senior SRE', version: now.body.data.version });
		const again = await admin.api.get(
			`/audit-logs?entity_type=requirement&entity_id=${req.id}&action=approval.chain_reset`
		);
		expect(again.body.data.items).toHaveLength(1);
	});

	it('refuses a stale update with 409 and the current record', async () => {
		const req = await newRequirement('QA Engineer');
		const first = await hm.api.patch(`/requirements/${req.id}`, { headcount: 3, version: req.version });
		expect(first.status).toBe(200);
		const stale = await hm.api.patch(`/requirements/${req.id}`, { headcount: 4, version: req.version });
		expect(stale.status).toBe(409);
		expect(stale.body.error.code).toBe('VERSION_CONFLICT');
		expect(stale.body.error.data.headcount).toBe(3);
		expect(stale.body.error.data.version).toBe(req.version + 1);
		expect(stale.body.error.data).not.toHaveProperty('search_vector');
		// Someone who may not edit it learns nothing from a stale version: 403, not the record.
		const outsider = await approvers.lead1.api.patch(`/requirements/${req.id}`, { headcount: 9, version: req.version });
		expect(outsider.status).toBe(403);
		expect(outsider.body.error.data).toBeUndefined();
		const missing = await hm.api.patch(`/requirements/${req.id}`, { headcount: 4 });
		expect(missing.status).toBe(422);
	});

	it('refuses illegal transitions with the allowed actions named', async () => {
		const req = await newRequirement('Mobile Engineer');
		// An approver has no say over someone else's requirement's lifecycle.
		expect((await approvers.lead1.api.post(`/requirements/${req.id}/submit`, {})).status).toBe(403);
		// Its manager may act on it, but a draft cannot be opened.
		const res = await hm.api.post(`/requirements/${req.id}/open`, {});
		expect(res.status).toBe(409);
		expect(res.body.error.code).toBe('ILLEGAL_TRANSITION');
		expect(res.body.error.data.allowed_actions).toEqual(['submit', 'cancel']);
		expect(res.body.error.message).toMatch(/allowed: submit, cancel/);
	});

	it('never lets people approve their own request; an admin may approve on behalf (recorded)', async () => {
		// The admin is the hiring manager of this one: they may not approve it, even on someone's behalf.
		const own = await admin.api.post('/requirements', {
			title: 'Admin-owned role',
			department_id: engineering,
			headcount: 1,
			employment_type: 'full_time',
			remote_policy: 'remote'
		});
		expect(own.status, JSON.stringify(own.body)).toBe(201);
		await admin.api.post(`/requirements/${own.body.data.id}/submit`, {});
		const all = await admin.api.get('/approvals/pending?all=true');
		const mine = (all.body.data.items as Array<{ id: string; subject_id: string; approver_id: string }>).filter(
			(a) => a.subject_id === own.body.data.id
		);
		expect(mine.length).toBeGreaterThan(0);
		expect(mine.every((a) => a.approver_id !== admin.id)).toBe(true);
		const refused = await admin.api.post(`/approvals/${mine[0].id}/approve`, {});
		expect(refused.status).toBe(403);

		// On behalf of a lead, for someone else's requirement.
		const req = await newRequirement('Platform Engineer');
		await hm.api.post(`/requirements/${req.id}/submit`, {});
		const [a1] = await pendingFor(approvers.lead1, req.id);
		const behalf = await admin.api.post(`/approvals/${a1.id}/approve`, { comment: 'Lena is on leave' });
		expect(behalf.status).toBe(200);
		expect(behalf.body.data.approval.on_behalf).toBe(true);
		expect(behalf.body.data.approval.decided_by).toBe(admin.id);
		const audit = await admin.api.get(
			`/audit-logs?entity_type=requirement&entity_id=${req.id}&action=approval.approved`
		);
		expect(audit.body.data.items[0].actor_id).toBe(admin.id);
		expect(audit.body.data.items[0].on_behalf_of_id).toBe(approvers.lead1.id);
		// The hiring manager cannot act on approvals at all.
		const [a2] = await pendingFor(approvers.lead2, req.id);
		expect((await hm.api.post(`/approvals/${a2.id}/approve`, {})).status).toBe(403);
	});

	it('lists, filters and searches requirements; answers 404 for unknown or malformed ids', async () => {
		const res = await admin.api.get(
			`/requirements?status=approved&status=pending_approval&department_id=${engineering}&page_size=50`
		);
		expect(res.status).toBe(200);
		expect(res.body.data.items.length).toBeGreaterThan(0);
		expect(
			res.body.data.items.every((r: { status: string }) => ['approved', 'pending_approval'].includes(r.status))
		).toBe(true);
		const search = await admin.api.get('/requirements?q=backend');
		expect(search.body.data.items.map((r: { title: string }) => r.title)).toContain('Senior Backend Engineer');
		const byRef = await admin.api.get(`/requirements?q=${encodeURIComponent(search.body.data.items[0].reference)}`);
		expect(byRef.body.data.items[0].id).toBe(search.body.data.items[0].id);
		expect((await admin.api.get('/requirements/not-a-uuid')).status).toBe(404);
		expect((await admin.api.get('/requirements/00000000-0000-4000-8000-000000000000')).status).toBe(404);
		const bad = await admin.api.get('/requirements?status=nonsense');
		expect(bad.status).toBe(422);
	});
});
