import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, freePort, startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { minimalPdf } from '../helpers/fixtures';
import { createUser, registerAdmin } from '../helpers/org';

type Client = ReturnType<typeof apiClient>;

/**
 * Behind a reverse proxy (TRUST_PROXY=1) the applicant's address comes from X-Forwarded-For.
 * A request that reaches the app without it has no known address: such applications share one
 * rate-limit bucket instead of escaping the limit, and they do not use up the known addresses'.
 */
describe.each(BACKENDS)('careers applications without a client address on %s', (backend) => {
	let app: RunningProcess & { dataDir: string };
	let origin: string;
	let database: TestDatabase | undefined;
	let postingId: string;

	beforeAll(async () => {
		const port = await freePort();
		origin = `http://127.0.0.1:${port}`;
		const env: Record<string, string> = { PORT: String(port), ORIGIN: origin, TRUST_PROXY: '1' };
		if (backend === 'postgres') {
			database = await createTestDatabase('postgres');
			env.DATABASE_URL = database.url as string;
		}
		app = await startProcess({ env });
		const admin = await registerAdmin(app.url);
		const hm: { api: Client } = await createUser(app.url, admin.api, 'hiring_manager', 'Hanna Manager');
		const approver: { api: Client } = await createUser(app.url, admin.api, 'approver', 'Amir Approver');
		const recruiter: { api: Client } = await createUser(app.url, admin.api, 'recruiter', 'Rita Recruiter');
		const dept = (await admin.api.post('/departments', { name: 'Engineering' })).body.data.id;
		const created = await hm.api.post('/requirements', {
			title: 'Robotics Engineer',
			department_id: dept,
			headcount: 1,
			location_city: 'Berlin',
			location_country: 'DE',
			remote_policy: 'hybrid'
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		postingId = created.body.data.id;
		expect((await hm.api.post(`/requirements/${postingId}/submit`, {})).status).toBe(200);
		const pending = await approver.api.get('/approvals/pending');
		const approval = pending.body.data.items.find((a: { subject_id: string }) => a.subject_id === postingId);
		expect((await approver.api.post(`/approvals/${approval.id}/approve`, {})).status).toBe(200);
		expect((await recruiter.api.post(`/requirements/${postingId}/open`, {})).status).toBe(200);
		const published = await recruiter.api.post(`/requirements/${postingId}/publish`, { published: true });
		expect(published.status, JSON.stringify(published.body)).toBe(200);
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	async function apply(n: number, headers: Record<string, string> = {}) {
		const form = new FormData();
		form.append('name', `Casey Candidate ${n}`);
		form.append('email', `casey.${n}@example.org`);
		form.append('consent', 'yes');
		form.append('cv', new Blob([minimalPdf(`Candidate ${n}`)], { type: 'application/pdf' }), 'cv.pdf');
		const res = await fetch(`${app.url}/careers/${postingId}`, {
			method: 'POST',
			headers: { accept: 'text/html', origin, ...headers },
			body: form
		});
		return { status: res.status, html: await res.text() };
	}

	it('puts every application with no address into one shared bucket (429 after five), apart from known addresses', async () => {
		const known = await apply(0, { 'x-forwarded-for': '203.0.113.7' });
		expect(known.status, known.html.slice(0, 300)).toBe(200);

		const statuses: number[] = [];
		for (let n = 1; n <= 6; n++) statuses.push((await apply(n)).status);
		expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
		const refused = await apply(7);
		expect(refused.status).toBe(429);
		expect(refused.html).toContain('Too many applications from your network; please try again in an hour.');

		// Known addresses keep their own budgets.
		expect((await apply(8, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(200);
		expect((await apply(9, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
	});
});
