import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { createUser, registerAdmin } from '../helpers/org';

type Client = ReturnType<typeof apiClient>;
type Person = { api: Client; id: string };

/**
 * The organisation an approval runs in, through the API of the built app: departments (a tree),
 * job levels (salary bands) and approval workflows — admin-only changes, consistent data (no
 * cycles, nothing in use deleted, bands that make sense), the most specific workflow chosen for
 * a requirement, and chains already running kept as they started.
 */
describe.each(BACKENDS)('departments, job levels and approval workflows on %s', (backend) => {
	let app: RunningProcess;
	let database: TestDatabase | undefined;
	let admin: Person;
	let hm: Person;
	let recruiter: Person;
	const ap: Record<string, Person> = {};

	beforeAll(async () => {
		database = backend === 'postgres' ? await createTestDatabase('postgres') : undefined;
		app = await startProcess({ env: database?.url ? { DATABASE_URL: database.url } : {} });
		admin = await registerAdmin(app.url);
		hm = await createUser(app.url, admin.api, 'hiring_manager', 'Hanna Manager');
		recruiter = await createUser(app.url, admin.api, 'recruiter', 'Rita Recruiter');
		for (const name of ['Ada', 'Ben', 'Cem', 'Dana', 'Eli']) {
			ap[name] = await createUser(app.url, admin.api, 'approver', `${name} Approver`);
		}
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	async function department(body: Record<string, unknown>): Promise<string> {
		const res = await admin.api.post('/departments', body);
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body.data.id;
	}

	async function requirement(fields: Record<string, unknown>): Promise<string> {
		const res = await hm.api.post('/requirements', { title: 'A role', remote_policy: 'onsite', ...fields });
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body.data.id;
	}

	/** Submits a requirement and answers the name of the workflow its chain runs. */
	async function workflowChosen(fields: Record<string, unknown>): Promise<string> {
		const id = await requirement(fields);
		const submitted = await hm.api.post(`/requirements/${id}/submit`, {});
		expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
		const chain = await hm.api.get(`/requirements/${id}/approvals`);
		return chain.body.data.rounds[0].workflow_name;
	}

	const step = (name: string, ...approvers: Person[]) => ({
		name,
		approvers: approvers.map((p) => ({ type: 'user', userId: p.id })),
		rule: 'any'
	});

	async function workflow(body: Record<string, unknown>): Promise<{ id: string; version: number }> {
		const res = await admin.api.post('/approval-workflows', {
			subject_type: 'requirement',
			steps: [step('Only step', ap.Ada)],
			...body
		});
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		return res.body.data;
	}

	it('lets admins build the department tree; others read it; cycles and bad references are refused', async () => {
		const body = { name: 'Nope' };
		expect((await hm.api.post('/departments', body)).status).toBe(403);
		expect((await recruiter.api.post('/departments', body)).status).toBe(403);
		expect((await apiClient(app.url).post('/departments', body)).status).toBe(401);

		const company = await department({ name: 'Company', code: 'CO', head_user_id: ap.Eli.id });
		const engineering = await department({ name: 'Engineering', parent_id: company });
		const backendDept = await department({ name: 'Backend', parent_id: engineering });

		const list = await recruiter.api.get('/departments');
		expect(list.status).toBe(200);
		const byName = new Map(
			(list.body.data.items as Array<{ name: string; parent_id: string | null; parent_name: string | null }>).map(
				(d) => [d.name, d]
			)
		);
		expect(byName.get('Backend')).toMatchObject({ parent_id: engineering, parent_name: 'Engineering' });
		const one = await hm.api.get(`/departments/${company}`);
		expect(one.body.data).toMatchObject({ name: 'Company', code: 'CO', head_name: 'Eli Approver', parent_id: null });

		// A cycle, directly or through descendants, and a department as its own parent.
		const current = (await admin.api.get(`/departments/${company}`)).body.data;
		for (const parent of [backendDept, engineering, company]) {
			const res = await admin.api.patch(`/departments/${company}`, { parent_id: parent, version: current.version });
			expect(res.status, parent).toBe(422);
			expect(res.body.error.details[0].field).toBe('parent_id');
		}
		const unknown = '00000000-0000-4000-8000-000000000000';
		expect((await admin.api.post('/departments', { name: 'Orphan', parent_id: unknown })).status).toBe(422);
		const noHead = await admin.api.post('/departments', { name: 'Headless', head_user_id: unknown });
		expect(noHead.status).toBe(422);
		expect(noHead.body.error.details[0].field).toBe('head_user_id');
		expect((await admin.api.post('/departments', { name: '' })).status).toBe(422);

		// Renamed with optimistic locking; a stale version is refused; others may not change it.
		const renamed = await admin.api.patch(`/departments/${engineering}`, { name: 'R&D', version: 1 });
		expect(renamed.status).toBe(200);
		expect(renamed.body.data).toMatchObject({ name: 'R&D', version: 2 });
		expect((await admin.api.patch(`/departments/${engineering}`, { name: 'Eng', version: 1 })).status).toBe(409);
		expect((await hm.api.patch(`/departments/${engineering}`, { name: 'Mine', version: 2 })).status).toBe(403);
		expect((await hm.api.delete(`/departments/${backendDept}`)).status).toBe(403);
		// Moving a subtree elsewhere (no cycle) is fine.
		const moved = await admin.api.patch(`/departments/${backendDept}`, { parent_id: company, version: 1 });
		expect(moved.status, JSON.stringify(moved.body)).toBe(200);
		expect((await admin.api.patch(`/departments/${backendDept}`, { parent_id: engineering, version: 2 })).status).toBe(
			200
		);

		// Not deleted while in use: sub-departments, requirements.
		const withChild = await admin.api.delete(`/departments/${engineering}`);
		expect(withChild.status).toBe(409);
		expect(withChild.body.error.code).toBe('DEPARTMENT_IN_USE');
		await requirement({ department_id: backendDept });
		const withRequirement = await admin.api.delete(`/departments/${backendDept}`);
		expect(withRequirement.status).toBe(409);
		expect(withRequirement.body.error.message).toMatch(/1 requirement/);
		const empty = await department({ name: 'Short-lived', parent_id: company });
		expect((await admin.api.delete(`/departments/${empty}`)).status).toBe(200);
		expect((await admin.api.get(`/departments/${empty}`)).status).toBe(404);
		expect(
			((await admin.api.get('/departments')).body.data.items as Array<{ id: string }>).map((d) => d.id)
		).not.toContain(empty);
		// A deleted department is no parent, and no home for a requirement.
		expect((await admin.api.post('/departments', { name: 'Late', parent_id: empty })).status).toBe(422);
		const late = await hm.api.post('/requirements', { title: 'Late role', department_id: empty });
		expect(late.status).toBe(422);
		expect(late.body.error.details[0].field).toBe('department_id');
	});

	it('lets admins manage job levels with sensible salary bands; one in use is not deleted', async () => {
		expect((await hm.api.post('/job-levels', { name: 'Junior', rank: 1 })).status).toBe(403);
		const inverted = await admin.api.post('/job-levels', {
			name: 'Inverted',
			rank: 2,
			salary_min: 90000,
			salary_max: 60000,
			currency: 'EUR'
		});
		expect(inverted.status).toBe(422);
		expect(inverted.body.error.details.map((d: { field: string }) => d.field)).toContain('salary_max');
		const noCurrency = await admin.api.post('/job-levels', { name: 'Loose', rank: 2, salary_min: 1000 });
		expect(noCurrency.status).toBe(422);
		expect(noCurrency.body.error.details[0].field).toBe('currency');

		const senior = await admin.api.post('/job-levels', {
			name: 'Senior',
			rank: 3,
			salary_min: 70000,
			salary_max: 95000,
			currency: 'eur'
		});
		expect(senior.status).toBe(201);
		expect(senior.body.data).toMatchObject({ name: 'Senior', salary_min: 70000, salary_max: 95000, currency: 'EUR' });
		const junior = await admin.api.post('/job-levels', { name: 'Junior', rank: 1 });
		expect(junior.status).toBe(201);
		const clash = await admin.api.post('/job-levels', { name: 'senior', rank: 9 });
		expect(clash.status).toBe(409);
		expect(clash.body.error.code).toBe('NAME_TAKEN');
		const levels = await recruiter.api.get('/job-levels');
		const names = (levels.body.data.items as Array<{ name: string }>).map((l) => l.name);
		expect(names.indexOf('Junior')).toBeLessThan(names.indexOf('Senior'));

		// Raising the minimum above the existing maximum is refused as well.
		const raised = await admin.api.patch(`/job-levels/${senior.body.data.id}`, { salary_min: 99000, version: 1 });
		expect(raised.status).toBe(422);
		expect(raised.body.error.details[0].field).toBe('salary_max');
		const widened = await admin.api.patch(`/job-levels/${senior.body.data.id}`, { salary_max: 99000, version: 1 });
		expect(widened.status).toBe(200);
		expect(widened.body.data.salary_max).toBe(99000);
		expect((await recruiter.api.patch(`/job-levels/${senior.body.data.id}`, { rank: 4, version: 2 })).status).toBe(403);

		const dept = await department({ name: 'Levels test' });
		await requirement({ department_id: dept, job_level_id: senior.body.data.id });
		const inUse = await admin.api.delete(`/job-levels/${senior.body.data.id}`);
		expect(inUse.status).toBe(409);
		expect(inUse.body.error.code).toBe('JOB_LEVEL_IN_USE');
		expect((await admin.api.delete(`/job-levels/${junior.body.data.id}`)).status).toBe(200);
		expect((await admin.api.get(`/job-levels/${junior.body.data.id}`)).status).toBe(404);
	});

	it('runs the most specific workflow: nearer department, then job level, then salary threshold; default otherwise', async () => {
		const root = await department({ name: 'Group' });
		const eng = await department({ name: 'Platform', parent_id: root });
		const team = await department({ name: 'Storage', parent_id: eng });
		const marketing = await department({ name: 'Brand', parent_id: root });
		const sales = await department({ name: 'Field Sales' });
		const staff = (await admin.api.post('/job-levels', { name: 'Staff', rank: 5 })).body.data.id;

		await workflow({ name: 'Group-wide', department_id: root });
		await workflow({ name: 'Platform', department_id: eng });
		await workflow({ name: 'Staff level', job_level_id: staff });
		await workflow({ name: 'Platform staff', department_id: eng, job_level_id: staff });
		await workflow({ name: 'High salary', min_salary: 150000 });
		await workflow({ name: 'Platform high salary', department_id: eng, min_salary: 150000 });
		await workflow({ name: 'Inactive sales', department_id: sales, is_active: false });

		const salary = (max: number) => ({ salary_min: 1000, salary_max: max, currency: 'EUR' });
		expect(await workflowChosen({ department_id: sales })).toBe('Default requirement approval');
		expect(await workflowChosen({ department_id: marketing })).toBe('Group-wide');
		expect(await workflowChosen({ department_id: eng })).toBe('Platform');
		// A team inherits its parent department's workflow, the nearest one up the tree.
		expect(await workflowChosen({ department_id: team })).toBe('Platform');
		expect(await workflowChosen({ department_id: team, job_level_id: staff })).toBe('Platform staff');
		expect(await workflowChosen({ department_id: sales, job_level_id: staff })).toBe('Staff level');
		expect(await workflowChosen({ department_id: sales, ...salary(200000) })).toBe('High salary');
		// "Above" the threshold: equal is not above.
		expect(await workflowChosen({ department_id: sales, ...salary(150000) })).toBe('Default requirement approval');
		expect(await workflowChosen({ department_id: team, ...salary(200000) })).toBe('Platform high salary');
		expect(await workflowChosen({ department_id: marketing, ...salary(200000) })).toBe('Group-wide');
	});

	it('keeps a running chain on the steps it started with when its workflow is edited', async () => {
		const ops = await department({ name: 'Operations' });
		const created = await workflow({
			name: 'Operations two-step',
			department_id: ops,
			steps: [step('Lead', ap.Ada), step('Finance', ap.Ben)]
		});
		const running = await requirement({ department_id: ops });
		expect((await hm.api.post(`/requirements/${running}/submit`, {})).status).toBe(200);

		const edited = await admin.api.patch(`/approval-workflows/${created.id}`, {
			steps: [step('Director', ap.Cem)],
			version: created.version
		});
		expect(edited.status, JSON.stringify(edited.body)).toBe(200);
		expect(edited.body.data.steps.map((s: { name: string }) => s.name)).toEqual(['Director']);
		expect(
			(await admin.api.patch(`/approval-workflows/${created.id}`, { name: 'x', version: created.version })).status
		).toBe(409);

		const pending = async (who: Person) =>
			(
				(await who.api.get('/approvals/pending')).body.data.items as Array<{
					id: string;
					subject_id: string;
					step_name: string;
				}>
			).filter((a) => a.subject_id === running);
		const [lead] = await pending(ap.Ada);
		expect(lead.step_name).toBe('Lead');
		expect((await ap.Ada.api.post(`/approvals/${lead.id}/approve`, {})).body.data.outcome).toBe('next_step');
		// Step 2 of the chain as it started — not the edited workflow's director.
		expect(await pending(ap.Cem)).toEqual([]);
		const [finance] = await pending(ap.Ben);
		expect(finance.step_name).toBe('Finance');
		expect((await ap.Ben.api.post(`/approvals/${finance.id}/approve`, {})).body.data.outcome).toBe('approved');
		const chain = await hm.api.get(`/requirements/${running}/approvals`);
		expect(chain.body.data.rounds[0].steps.map((s: { name: string; state: string }) => [s.name, s.state])).toEqual([
			['Lead', 'done'],
			['Finance', 'done']
		]);

		// A new submission runs the edited workflow.
		const next = await requirement({ department_id: ops });
		await hm.api.post(`/requirements/${next}/submit`, {});
		const [director] = (
			(await ap.Cem.api.get('/approvals/pending')).body.data.items as Array<{ subject_id: string; step_name: string }>
		).filter((a) => a.subject_id === next);
		expect(director.step_name).toBe('Director');
	});

	it('validates workflows, keeps them admin-only, and never lets the default go', async () => {
		const bad = await admin.api.post('/approval-workflows', {
			name: 'Broken',
			subject_type: 'requirement',
			above_band_only: true,
			steps: [
				{ name: 'N of them', approvers: [{ type: 'role', role: 'approver' }], rule: 'n' },
				{ name: 'Ghost', approvers: [{ type: 'user', userId: '00000000-0000-4000-8000-000000000000' }], rule: 'any' }
			]
		});
		expect(bad.status).toBe(422);
		expect(bad.body.error.details.map((d: { field: string }) => d.field)).toContain('steps.0.required_count');
		const ghost = await admin.api.post('/approval-workflows', {
			name: 'Ghost',
			subject_type: 'requirement',
			steps: [
				{ name: 'Ghost', approvers: [{ type: 'user', userId: '00000000-0000-4000-8000-000000000000' }], rule: 'any' }
			]
		});
		expect(ghost.status).toBe(422);
		expect(ghost.body.error.details[0].field).toBe('steps.0.approvers.0.userId');
		const band = await admin.api.post('/approval-workflows', {
			name: 'Band',
			subject_type: 'requirement',
			above_band_only: true,
			steps: [step('x', ap.Ada)]
		});
		expect(band.status).toBe(422);
		expect(
			(await admin.api.post('/approval-workflows', { name: 'Empty', subject_type: 'requirement', steps: [] })).status
		).toBe(422);

		expect(
			(
				await hm.api.post('/approval-workflows', {
					name: 'Mine',
					subject_type: 'requirement',
					steps: [step('x', ap.Ada)]
				})
			).status
		).toBe(403);
		expect((await ap.Ada.api.get('/approval-workflows')).status).toBe(200);
		expect((await recruiter.api.get('/approval-workflows')).status).toBe(403);

		const all = (await admin.api.get('/approval-workflows?subject_type=requirement')).body.data.items as Array<{
			id: string;
			name: string;
			is_default: boolean;
			version: number;
		}>;
		const defaults = all.filter((w) => w.is_default);
		expect(defaults.map((w) => w.name)).toEqual(['Default requirement approval']);
		const original = defaults[0];
		const refusedDelete = await admin.api.delete(`/approval-workflows/${original.id}`);
		expect(refusedDelete.status).toBe(409);
		expect(refusedDelete.body.error.code).toBe('DEFAULT_WORKFLOW');
		for (const change of [{ is_default: false }, { is_active: false }]) {
			const res = await admin.api.patch(`/approval-workflows/${original.id}`, { ...change, version: original.version });
			expect(res.status).toBe(409);
		}
		expect((await ap.Ada.api.delete(`/approval-workflows/${original.id}`)).status).toBe(403);

		// Another workflow made the default takes over; then the old one may go.
		const replacement = await workflow({ name: 'New default', is_default: true, steps: [step('Any', ap.Dana)] });
		const after = (await admin.api.get('/approval-workflows?subject_type=requirement')).body.data.items as Array<{
			id: string;
			is_default: boolean;
		}>;
		expect(after.filter((w) => w.is_default).map((w) => w.id)).toEqual([replacement.id]);
		const sales = await department({ name: 'Default test' });
		expect(await workflowChosen({ department_id: sales })).toBe('New default');
		expect((await admin.api.delete(`/approval-workflows/${original.id}`)).status).toBe(200);
		expect((await admin.api.get(`/approval-workflows/${original.id}`)).status).toBe(404);
		// The offer default is untouched.
		const offers = (await admin.api.get('/approval-workflows?subject_type=offer')).body.data.items as Array<{
			is_default: boolean;
		}>;
		expect(offers.filter((w) => w.is_default)).toHaveLength(1);
	});
});
