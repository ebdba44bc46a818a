import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { createUser, registerAdmin } from '../helpers/org';

type Client = ReturnType<typeof apiClient>;
type Person = { api: Client; id: string };

interface AuditEntry {
	action: string;
	actor_id: string | null;
	on_behalf_of_id: string | null;
	before: Record<string, unknown> | null;
	after: Record<string, unknown> | null;
	metadata: Record<string, unknown> | null;
	created_at: string;
}

interface HistoryEntry {
	at: string;
	actor_id: string | null;
	actor_name: string | null;
	on_behalf_of_name: string | null;
	action: string;
	changes: Array<{ field: string; from: unknown; to: unknown }>;
}

/**
 * Every step of a requirement's life — edits, the approval chain and its decisions, publishing,
 * the lifecycle — leaves an audit row naming who did it; the history endpoint turns those rows
 * into field changes (who, when, from, to).
 */
describe.each(BACKENDS)('approval flow: audit trail, history, races and holds on %s', (backend) => {
	let app: RunningProcess;
	let database: TestDatabase | undefined;
	let admin: Person;
	let hm: Person;
	let approver: Person;
	let recruiter: Person;
	let departmentId: string;

	beforeAll(async () => {
		database = backend === 'postgres' ? await createTestDatabase('postgres') : undefined;
		app = await startProcess({ env: database?.url ? { DATABASE_URL: database.url } : {} });
		admin = await registerAdmin(app.url);
		hm = await createUser(app.url, admin.api, 'hiring_manager', 'Hanna Manager');
		approver = await createUser(app.url, admin.api, 'approver', 'Amir Approver');
		recruiter = await createUser(app.url, admin.api, 'recruiter', 'Rita Recruiter');
		departmentId = (await admin.api.post('/departments', { name: 'Finance' })).body.data.id;
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	async function ok(res: Promise<{ status: number; body: Record<string, any> }>, status = 200) {
		const r = await res;
		expect(r.status, JSON.stringify(r.body)).toBe(status);
		return r.body.data;
	}

	async function create(title: string): Promise<{ id: string; version: number }> {
		return ok(
			hm.api.post('/requirements', {
				title,
				department_id: departmentId,
				headcount: 1,
				remote_policy: 'onsite',
				location_city: 'Frankfurt',
				location_country: 'DE',
				salary_min: 60000,
				salary_max: 80000,
				currency: 'EUR'
			}),
			201
		);
	}

	async function pendingApproval(requirementId: string): Promise<string> {
		const res = await approver.api.get('/approvals/pending');
		const found = (res.body.data.items as Array<{ id: string; subject_id: string }>).find(
			(a) => a.subject_id === requirementId
		);
		expect(found).toBeTruthy();
		return found!.id;
	}

	const version = async (id: string) => (await hm.api.get(`/requirements/${id}`)).body.data.version as number;

	async function auditOf(id: string): Promise<AuditEntry[]> {
		const res = await admin.api.get(`/audit-logs?entity_type=requirement&entity_id=${id}&page_size=100`);
		expect(res.status).toBe(200);
		return res.body.data.items;
	}

	const signature = (entries: AuditEntry[]) => entries.map((e) => `${e.action} by ${e.actor_id}`).sort();

	it('records every action of the approval flow and the lifecycle with its actor', async () => {
		const r = await create('Controller');
		await ok(hm.api.patch(`/requirements/${r.id}`, { title: 'Financial Controller', version: r.version }));
		await ok(hm.api.post(`/requirements/${r.id}/submit`, {}));
		await ok(approver.api.post(`/approvals/${await pendingApproval(r.id)}/request-info`, { comment: 'Which entity?' }));
		await ok(
			hm.api.patch(`/requirements/${r.id}`, { justification: 'For the German entity', version: await version(r.id) })
		);
		await ok(hm.api.post(`/requirements/${r.id}/submit`, {}));
		await ok(approver.api.post(`/approvals/${await pendingApproval(r.id)}/approve`, { comment: 'Fine' }));
		// A salary change after approval sends it back through the chain.
		await ok(hm.api.patch(`/requirements/${r.id}`, { salary_max: 85000, version: await version(r.id) }));
		// The admin decides for the approver (recorded as on behalf).
		await ok(admin.api.post(`/approvals/${await pendingApproval(r.id)}/approve`, { comment: 'Amir is away' }));
		await ok(recruiter.api.post(`/requirements/${r.id}/open`, {}));
		await ok(recruiter.api.post(`/requirements/${r.id}/publish`, { published: true }));
		await ok(recruiter.api.post(`/requirements/${r.id}/publish`, { published: false }));
		await ok(hm.api.post(`/requirements/${r.id}/hold`, { comment: 'Budget review' }));
		await ok(hm.api.post(`/requirements/${r.id}/reopen`, {}));
		await ok(approver.api.post(`/requirements/${r.id}/comments`, { body: 'Looks good' }), 201);
		await ok(recruiter.api.post(`/requirements/${r.id}/fill`, {}));

		const entries = await auditOf(r.id);
		const by = (who: Person) => who.id;
		expect(signature(entries)).toEqual(
			[
				`requirement.created by ${by(hm)}`,
				`requirement.updated by ${by(hm)}`,
				`requirement.submitted by ${by(hm)}`,
				`approval.chain_started by ${by(hm)}`,
				`approval.info_requested by ${by(approver)}`,
				`requirement.info_requested by ${by(approver)}`,
				`requirement.updated by ${by(hm)}`,
				`requirement.submitted by ${by(hm)}`,
				`approval.chain_started by ${by(hm)}`,
				`approval.approved by ${by(approver)}`,
				`requirement.approved by ${by(approver)}`,
				`requirement.updated by ${by(hm)}`,
				`approval.chain_reset by ${by(hm)}`,
				`approval.chain_started by ${by(hm)}`,
				`approval.approved by ${by(admin)}`,
				`requirement.approved by ${by(admin)}`,
				`requirement.opened by ${by(recruiter)}`,
				`requirement.published by ${by(recruiter)}`,
				`requirement.unpublished by ${by(recruiter)}`,
				`requirement.held by ${by(hm)}`,
				`requirement.reopened by ${by(hm)}`,
				`requirement.commented by ${by(approver)}`,
				`requirement.filled by ${by(recruiter)}`
			].sort()
		);
		const onBehalf = entries.filter((e) => e.on_behalf_of_id);
		expect(onBehalf.map((e) => [e.action, e.actor_id, e.on_behalf_of_id])).toEqual([
			['approval.approved', admin.id, approver.id]
		]);
		const infoRequested = entries.find((e) => e.action === 'approval.info_requested');
		expect(infoRequested?.metadata).toMatchObject({ comment: 'Which entity?', step: 'Approval', round: 1 });
		const reset = entries.find((e) => e.action === 'requirement.updated' && e.metadata?.approvals_reset);
		expect(reset?.before).toMatchObject({ salary_max: 80000, status: 'approved' });
		expect(reset?.after).toMatchObject({ salary_max: 85000, status: 'pending_approval' });

		// A rejection, a cancellation and a deletion, each with its actor.
		const rejected = await create('Treasurer');
		await ok(hm.api.post(`/requirements/${rejected.id}/submit`, {}));
		await ok(approver.api.post(`/approvals/${await pendingApproval(rejected.id)}/reject`, { comment: 'Not now' }));
		await ok(admin.api.delete(`/requirements/${rejected.id}`));
		expect(
			signature((await auditOf(rejected.id)).filter((e) => !/created|submitted|chain_started/.test(e.action)))
		).toEqual(
			[
				`approval.rejected by ${approver.id}`,
				`requirement.rejected by ${approver.id}`,
				`requirement.deleted by ${admin.id}`
			].sort()
		);
		const cancelled = await create('Auditor');
		await ok(hm.api.post(`/requirements/${cancelled.id}/submit`, {}));
		await ok(hm.api.post(`/requirements/${cancelled.id}/cancel`, { comment: 'Hired internally' }));
		const cancelEntry = (await auditOf(cancelled.id)).find((e) => e.action === 'requirement.cancelled');
		expect(cancelEntry).toMatchObject({ actor_id: hm.id, metadata: { comment: 'Hired internally' } });
		// The cancelled chain no longer waits for anyone.
		const still = await approver.api.get('/approvals/pending');
		expect(still.body.data.items.filter((a: { subject_id: string }) => a.subject_id === cancelled.id)).toEqual([]);
	});

	it('settles decisions made at the same instant: one approval completes an "any" step, the other is refused, never a 500', async () => {
		const second = await createUser(app.url, admin.api, 'approver', 'Bo Backup');
		const race = await ok(admin.api.post('/departments', { name: 'Race' }), 201);
		await ok(
			admin.api.post('/approval-workflows', {
				name: 'Race: any of two, then the admin',
				subject_type: 'requirement',
				department_id: race.id,
				steps: [
					{
						name: 'Either',
						approvers: [
							{ type: 'user', userId: approver.id },
							{ type: 'user', userId: second.id }
						],
						rule: 'any'
					},
					{ name: 'Admin', approvers: [{ type: 'user', userId: admin.id }], rule: 'any' }
				]
			}),
			201
		);
		const mineOf = async (who: Person, id: string) =>
			((await who.api.get('/approvals/pending')).body.data.items as Array<{ id: string; subject_id: string }>).find(
				(a) => a.subject_id === id
			)!.id;
		for (let i = 0; i < 6; i++) {
			const r = await ok(
				hm.api.post('/requirements', {
					title: `Race ${i}`,
					department_id: race.id,
					salary_min: 1,
					salary_max: 2,
					currency: 'EUR'
				}),
				201
			);
			await ok(hm.api.post(`/requirements/${r.id}/submit`, {}));
			const [a, b] = await Promise.all([mineOf(approver, r.id), mineOf(second, r.id)]);
			const decisions = [
				approver.api.post(`/approvals/${a}/approve`, {}),
				second.api.post(`/approvals/${b}/approve`, {})
			];
			// Every other round, the manager changes the salary at the same instant (a chain reset).
			if (i % 2 === 1) decisions.push(hm.api.patch(`/requirements/${r.id}`, { salary_max: 3, version: 2 }));
			const results = await Promise.all(decisions);
			const statuses = results.map((res) => res.status);
			expect(
				statuses.filter((s) => s >= 500),
				JSON.stringify(results.map((res) => res.body))
			).toEqual([]);
			expect(statuses.slice(0, 2).filter((s) => s === 200).length, JSON.stringify(statuses)).toBeGreaterThanOrEqual(
				i % 2 ? 0 : 1
			);
			expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
			// Whatever the order, the chain is consistent: one open step with pending approvals.
			const chain = await hm.api.get(`/requirements/${r.id}/approvals`);
			const active = chain.body.data.rounds.filter((round: { status: string }) => round.status === 'active');
			expect(active).toHaveLength(1);
			const open = active[0].steps.filter((s: { state: string }) => s.state === 'open');
			expect(open).toHaveLength(1);
		}
	});

	it('sends an approved requirement on hold back through approval when its salary changes (reopen cannot skip it)', async () => {
		const r = await create('Payroll Specialist');
		await ok(hm.api.post(`/requirements/${r.id}/submit`, {}));
		await ok(approver.api.post(`/approvals/${await pendingApproval(r.id)}/approve`, {}));
		await ok(recruiter.api.post(`/requirements/${r.id}/open`, {}));
		await ok(recruiter.api.post(`/requirements/${r.id}/publish`, { published: true }));
		await ok(hm.api.post(`/requirements/${r.id}/hold`, {}));
		// A title is not an approved field: still on hold.
		const renamed = await ok(
			hm.api.patch(`/requirements/${r.id}`, { title: 'Payroll Lead', version: await version(r.id) })
		);
		expect(renamed.status).toBe('on_hold');
		const raised = await ok(hm.api.patch(`/requirements/${r.id}`, { salary_max: 99000, version: await version(r.id) }));
		expect(raised).toMatchObject({ status: 'pending_approval', published: false, approved_at: null });
		const reopen = await hm.api.post(`/requirements/${r.id}/reopen`, {});
		expect(reopen.status).toBe(409);
		expect(await pendingApproval(r.id)).toEqual(expect.any(String));
		const resets = (await auditOf(r.id)).filter((e) => e.action === 'approval.chain_reset');
		expect(resets.map((e) => e.actor_id)).toEqual([hm.id]);
		expect(resets[0].metadata?.reason).toMatch(/salary/);
	});

	it('shows the history of field changes: who, when, from what to what', async () => {
		const started = Date.now();
		const r = await create('Accountant');
		await ok(hm.api.patch(`/requirements/${r.id}`, { title: 'Senior Accountant', headcount: 2, version: r.version }));
		await ok(hm.api.post(`/requirements/${r.id}/submit`, {}));
		await ok(approver.api.post(`/approvals/${await pendingApproval(r.id)}/approve`, {}));
		await ok(admin.api.patch(`/requirements/${r.id}`, { salary_min: 65000, version: await version(r.id) }));

		const res = await approver.api.get(`/requirements/${r.id}/history`);
		expect(res.status).toBe(200);
		const items = res.body.data.items as HistoryEntry[];
		const times = items.map((e) => Date.parse(e.at));
		expect(times.every((t) => t >= started - 1000 && t <= Date.now() + 1000)).toBe(true);
		expect(times).toEqual([...times].sort((a, b) => a - b));

		const created = items.find((e) => e.action === 'requirement.created')!;
		expect(created).toMatchObject({ actor_id: hm.id, actor_name: 'Hanna Manager' });
		expect(created.changes).toEqual(expect.arrayContaining([{ field: 'title', from: null, to: 'Accountant' }]));

		const [edit, salary] = items.filter((e) => e.action === 'requirement.updated');
		expect(edit).toMatchObject({ actor_id: hm.id, actor_name: 'Hanna Manager' });
		expect(edit.changes).toEqual(
			expect.arrayContaining([
				{ field: 'title', from: 'Accountant', to: 'Senior Accountant' },
				{ field: 'headcount', from: 1, to: 2 }
			])
		);
		expect(edit.changes).toHaveLength(2);

		const submitted = items.find((e) => e.action === 'requirement.submitted')!;
		expect(submitted.changes).toEqual([{ field: 'status', from: 'draft', to: 'pending_approval' }]);
		const approved = items.find((e) => e.action === 'requirement.approved')!;
		expect(approved).toMatchObject({ actor_id: approver.id, actor_name: 'Amir Approver' });
		expect(approved.changes).toEqual([{ field: 'status', from: 'pending_approval', to: 'approved' }]);

		expect(salary).toMatchObject({ actor_id: admin.id, actor_name: 'Ada Admin' });
		expect(salary.changes).toEqual(
			expect.arrayContaining([
				{ field: 'salary_min', from: 60000, to: 65000 },
				{ field: 'status', from: 'approved', to: 'pending_approval' }
			])
		);

		expect((await apiClient(app.url).get(`/requirements/${r.id}/history`)).status).toBe(401);
		expect((await hm.api.get('/requirements/00000000-0000-4000-8000-000000000000/history')).status).toBe(404);
		expect((await hm.api.get('/requirements/nope/history')).status).toBe(404);
	});
});
