import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, registerFirstAdmin, startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** The users admin API and the audit log it writes, through the built app. */
describe.each(BACKENDS)('users and audit API on %s', (backend) => {
	let app: RunningProcess;
	let database: TestDatabase | undefined;
	let owner: Awaited<ReturnType<typeof registerFirstAdmin>>;
	type SignedIn = { id: string; token: string; api: ReturnType<typeof client> };
	let admin: SignedIn;
	let recruiter: SignedIn;
	const ADDRESS = '10.2.0.7';
	const AGENT = 'users-api-test/1.0';

	beforeAll(async () => {
		const env: Record<string, string> = { TRUST_PROXY: 'true' };
		if (backend === 'postgres') {
			database = await createTestDatabase('postgres');
			env.DATABASE_URL = database.url as string;
		}
		app = await startProcess({ env });
		owner = await registerFirstAdmin(app.url);
		admin = await createAndSignIn('admin', 'adele@example.com');
		recruiter = await createAndSignIn('recruiter', 'rob@example.com');
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	/** A client that looks like a browser at ADDRESS, so audit rows have an address and an agent. */
	const client = (token?: string) => {
		const base = apiClient(app.url, token);
		const headers = { 'x-forwarded-for': ADDRESS, 'user-agent': AGENT };
		return {
			get: (path: string) => base.get(path, headers),
			post: (path: string, body?: unknown) => base.post(path, body, headers),
			patch: (path: string, body: unknown) => base.patch(path, body, headers)
		};
	};

	async function createAndSignIn(role: string, email: string) {
		const password = 'a long password 1';
		const created = await client(owner.token).post('/users', { email, name: email.split('@')[0], password, role });
		expect(created.status).toBe(201);
		const signedIn = await client().post('/auth/login', { email, password });
		expect(signedIn.status).toBe(200);
		return {
			id: created.body.data.id as string,
			token: signedIn.body.data.token as string,
			api: client(signedIn.body.data.token)
		};
	}

	async function auditRows(query: string) {
		const response = await client(owner.token).get(`/audit-logs?${query}`);
		expect(response.status).toBe(200);
		return response.body.data.items as Array<Record<string, any>>;
	}

	it('creates a user with a role and answers with the public user (no password hash)', async () => {
		const response = await client(admin.token).post('/users', {
			email: 'New.Hire@Example.com',
			name: 'New Hire',
			password: 'welcome aboard 1',
			role: 'interviewer'
		});
		expect(response.status).toBe(201);
		expect(response.body).toEqual({
			success: true,
			data: {
				id: expect.stringMatching(/^[0-9a-f-]{36}$/),
				email: 'new.hire@example.com',
				name: 'New Hire',
				role: 'interviewer',
				is_active: true,
				// No departments: they work for the whole organisation.
				department_ids: [],
				version: 1,
				email_preferences: {},
				last_login_at: null,
				created_at: expect.any(String),
				updated_at: expect.any(String)
			},
			message: 'User created',
			timestamp: expect.any(String)
		});
		expect(JSON.stringify(response.body)).not.toMatch(/argon2|password/i);
		const again = await client(admin.token).post('/users', {
			email: 'new.hire@example.com',
			name: 'Twice',
			password: 'welcome aboard 1',
			role: 'viewer'
		});
		expect(again.status).toBe(409);
		expect(again.body.error).toMatchObject({ code: 'EMAIL_TAKEN', details: [{ field: 'email' }] });
	});

	it('lists users with pagination, filters and a stable order', async () => {
		for (let i = 0; i < 4; i++) {
			expect(
				(
					await client(owner.token).post('/users', {
						email: `page${i}@example.com`,
						name: `Paged ${i}`,
						password: 'a long password 1',
						role: 'viewer'
					})
				).status
			).toBe(201);
		}
		const first = await client(admin.token).get('/users?page=1&page_size=2');
		expect(first.status).toBe(200);
		const { items, pagination } = first.body.data;
		expect(items).toHaveLength(2);
		expect(pagination.page).toBe(1);
		expect(pagination.page_size).toBe(2);
		expect(pagination.total_items).toBeGreaterThanOrEqual(8);
		expect(pagination.total_pages).toBe(Math.ceil(pagination.total_items / 2));

		const all = await client(admin.token).get(`/users?page_size=100`);
		const everyone = all.body.data.items as Array<{ id: string; name: string }>;
		expect(everyone).toHaveLength(pagination.total_items);
		const second = await client(admin.token).get('/users?page=2&page_size=2');
		expect(second.body.data.items.map((u: { id: string }) => u.id)).toEqual(everyone.slice(2, 4).map((u) => u.id));
		const beyond = await client(admin.token).get('/users?page=999&page_size=2');
		expect(beyond.body.data.items).toEqual([]);

		const viewers = await client(admin.token).get('/users?role=viewer&q=paged');
		expect(viewers.body.data.items.map((u: { name: string }) => u.name)).toEqual([
			'Paged 0',
			'Paged 1',
			'Paged 2',
			'Paged 3'
		]);
		const bad = await client(admin.token).get('/users?page=0&page_size=1000&role=wizard');
		expect(bad.status).toBe(422);
		expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['page', 'page_size', 'role']);
	});

	it('refuses the users API to everyone but admins', async () => {
		expect((await recruiter.api.get('/users')).status).toBe(403);
		const create = await recruiter.api.post('/users', {
			email: 'sneaky@example.com',
			name: 'Sneaky',
			password: 'a long password 1',
			role: 'admin'
		});
		expect(create.status).toBe(403);
		expect(create.body).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
		expect((await recruiter.api.patch(`/users/${admin.id}`, { role: 'viewer' })).status).toBe(403);
		expect((await recruiter.api.patch(`/users/${recruiter.id}`, { role: 'admin' })).status).toBe(403);
		expect((await client().get('/users')).status).toBe(401);
		// everyone reads and renames themselves
		expect((await recruiter.api.get(`/users/${recruiter.id}`)).body.data.email).toBe('rob@example.com');
		expect((await recruiter.api.get(`/users/${admin.id}`)).status).toBe(403);
		const renamed = await recruiter.api.patch(`/users/${recruiter.id}`, { name: 'Robert' });
		expect(renamed.status).toBe(200);
		expect(renamed.body.data.name).toBe('Robert');
	});

	it('an admin cannot create, promote to or change a super admin', async () => {
		const create = await admin.api.post('/users', {
			email: 'boss@example.com',
			name: 'Boss',
			password: 'a long password 1',
			role: 'super_admin'
		});
		expect(create.status).toBe(403);
		expect((await admin.api.patch(`/users/${recruiter.id}`, { role: 'super_admin' })).status).toBe(403);
		expect((await admin.api.patch(`/users/${admin.id}`, { role: 'super_admin' })).status).toBe(403);
		expect((await admin.api.patch(`/users/${owner.user.id}`, { is_active: false })).status).toBe(403);
		expect((await admin.api.patch(`/users/${owner.user.id}`, { role: 'viewer' })).status).toBe(403);
		expect((await admin.api.patch(`/users/${owner.user.id}`, { name: 'Renamed' })).status).toBe(403);
		// a super admin can
		const promoted = await client(owner.token).post('/users', {
			email: 'deputy@example.com',
			name: 'Deputy',
			password: 'a long password 1',
			role: 'super_admin'
		});
		expect(promoted.status).toBe(201);
		expect(promoted.body.data.role).toBe('super_admin');
	});

	it('nobody can demote or deactivate the last active super admin', async () => {
		const fresh = await client(owner.token).get('/users?role=super_admin');
		const supers = fresh.body.data.items as Array<{ id: string }>;
		// leave the owner as the only active super admin
		for (const other of supers.filter((u) => u.id !== owner.user.id)) {
			expect((await client(owner.token).patch(`/users/${other.id}`, { role: 'admin' })).status).toBe(200);
		}
		const demote = await client(owner.token).patch(`/users/${owner.user.id}`, { role: 'admin' });
		expect(demote.status).toBe(409);
		expect(demote.body.error).toMatchObject({ code: 'LAST_SUPER_ADMIN', details: [{ field: 'role' }] });
		const deactivate = await client(owner.token).patch(`/users/${owner.user.id}`, { is_active: false });
		expect(deactivate.status).toBe(409);
		expect((await client(owner.token).get('/auth/me')).body.data.user.role).toBe('super_admin');
	});

	it('changes a role, deactivates and reactivates; role change and deactivation end the user\u2019s sessions', async () => {
		const target = await createAndSignIn('viewer', 'tess@example.com');
		const changed = await client(admin.token).patch(`/users/${target.id}`, { role: 'approver' });
		expect(changed.status).toBe(200);
		expect(changed.body).toMatchObject({
			success: true,
			data: { role: 'approver', version: 2 },
			message: 'User updated'
		});
		expect((await target.api.get('/auth/me')).status).toBe(401);

		const again = await client().post('/auth/login', { email: 'tess@example.com', password: 'a long password 1' });
		const token = again.body.data.token as string;
		expect(again.body.data.user.role).toBe('approver');
		const off = await client(admin.token).patch(`/users/${target.id}`, { is_active: false });
		expect(off.body.data.is_active).toBe(false);
		expect((await client(token).get('/auth/me')).status).toBe(401);
		const inactive = await client(admin.token).get(`/users?active=false`);
		expect(inactive.body.data.items.map((u: { id: string }) => u.id)).toContain(target.id);

		const on = await client(admin.token).patch(`/users/${target.id}`, { is_active: true });
		expect(on.body.data).toMatchObject({ is_active: true, version: 4 });
		expect(
			(await client().post('/auth/login', { email: 'tess@example.com', password: 'a long password 1' })).status
		).toBe(200);
	});

	it('an admin resetting someone\u2019s password ends their sessions; the new password works', async () => {
		const target = await createAndSignIn('viewer', 'pat@example.com');
		const reset = await client(admin.token).patch(`/users/${target.id}`, { password: 'reset by the admin 1' });
		expect(reset.status).toBe(200);
		expect((await target.api.get('/auth/me')).status).toBe(401);
		expect(
			(await client().post('/auth/login', { email: 'pat@example.com', password: 'a long password 1' })).status
		).toBe(401);
		expect(
			(await client().post('/auth/login', { email: 'pat@example.com', password: 'reset by the admin 1' })).status
		).toBe(200);
	});

	it('refuses a stale version with 409 and the current record', async () => {
		const target = await createAndSignIn('viewer', 'vera@example.com');
		expect((await client(admin.token).patch(`/users/${target.id}`, { name: 'Vera One', version: 1 })).status).toBe(200);
		const stale = await client(admin.token).patch(`/users/${target.id}`, { name: 'Vera Two', version: 1 });
		expect(stale.status).toBe(409);
		expect(stale.body.error).toMatchObject({ code: 'STALE_VERSION', data: { name: 'Vera One', version: 2 } });
	});

	it('answers 404 for unknown and malformed ids, 422 for bad changes', async () => {
		for (const id of [UNKNOWN_ID, 'not-a-uuid', '1', "x' or 1=1 --"]) {
			const read = await client(admin.token).get(`/users/${encodeURIComponent(id)}`);
			expect(read.status).toBe(404);
			expect(read.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
			expect((await client(admin.token).patch(`/users/${encodeURIComponent(id)}`, { name: 'X' })).status).toBe(404);
		}
		const bad = await client(admin.token).patch(`/users/${recruiter.id}`, { role: 'wizard', is_active: 'yes' });
		expect(bad.status).toBe(422);
		expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['is_active', 'role']);
		expect((await client(admin.token).patch(`/users/${recruiter.id}`, {})).status).toBe(422);
		expect((await client(admin.token).patch(`/users/${recruiter.id}`, { email: 'other@example.com' })).status).toBe(
			422
		);
	});

	it('keeps the keys of e-mail preferences as the client sent them', async () => {
		const response = await recruiter.api.patch(`/users/${recruiter.id}`, {
			email_preferences: { approvalRequested: false, interview_reminder: true }
		});
		expect(response.status).toBe(200);
		expect(response.body.data.email_preferences).toEqual({ approvalRequested: false, interview_reminder: true });
	});

	it('writes an audit row for every mutation: actor, action, entity, before/after, address and agent', async () => {
		const created = await client(admin.token).post('/users', {
			email: 'audited@example.com',
			name: 'Audited',
			password: 'a long password 1',
			role: 'viewer'
		});
		const id = created.body.data.id as string;
		expect((await client(admin.token).patch(`/users/${id}`, { role: 'recruiter' })).status).toBe(200);
		expect((await client(admin.token).patch(`/users/${id}`, { is_active: false })).status).toBe(200);

		const rows = await auditRows(`entity_type=user&entity_id=${id}`);
		expect(rows.map((r) => r.action)).toEqual(['user.deactivated', 'user.role_changed', 'user.created']);
		for (const row of rows) {
			expect(row).toMatchObject({
				actor_id: admin.id,
				actor_name: 'adele',
				entity_type: 'user',
				entity_id: id,
				ip: ADDRESS,
				user_agent: AGENT,
				request_id: expect.any(String),
				created_at: expect.any(String)
			});
			expect(JSON.stringify(row)).not.toMatch(/argon2|password_hash/);
		}
		const [deactivated, roleChanged, createdRow] = rows;
		expect(createdRow.before).toBeNull();
		expect(createdRow.after).toMatchObject({ email: 'audited@example.com', role: 'viewer' });
		expect(roleChanged.before).toMatchObject({ role: 'viewer' });
		expect(roleChanged.after).toMatchObject({ role: 'recruiter' });
		expect(roleChanged.metadata).toEqual({ sessions_ended: true });
		expect(deactivated.before).toMatchObject({ is_active: true });
		expect(deactivated.after).toMatchObject({ is_active: false });
	});

	it('audits sign-in, refresh, sign-out and password changes too', async () => {
		const user = await createAndSignIn('viewer', 'trail@example.com');
		const refreshed = (await user.api.post('/auth/refresh')).body.data.token as string;
		expect(
			(
				await client(refreshed).post('/auth/password', {
					current_password: 'a long password 1',
					new_password: 'a newer password 1'
				})
			).status
		).toBe(200);
		const latest = (await client().post('/auth/login', { email: 'trail@example.com', password: 'a newer password 1' }))
			.body.data.token as string;
		expect((await client(latest).post('/auth/logout')).status).toBe(200);
		const rows = await auditRows(`entity_id=${user.id}&actor_id=${user.id}`);
		expect(rows.map((r) => r.action)).toEqual([
			'auth.logout',
			'auth.login',
			'user.password_changed',
			'auth.refresh',
			'auth.login'
		]);
		expect(rows.every((r) => r.ip === ADDRESS && r.user_agent === AGENT)).toBe(true);
	});

	it('filters the audit log by actor, action and time, and paginates it', async () => {
		const byRecruiter = await auditRows(`actor_id=${recruiter.id}`);
		expect(byRecruiter.length).toBeGreaterThan(0);
		expect(byRecruiter.every((r) => r.actor_id === recruiter.id)).toBe(true);

		const page1 = await client(owner.token).get('/audit-logs?page=1&page_size=3');
		const page2 = await client(owner.token).get('/audit-logs?page=2&page_size=3');
		expect(page1.body.data.items).toHaveLength(3);
		expect(page1.body.data.pagination).toMatchObject({ page: 1, page_size: 3 });
		const total = page1.body.data.pagination.total_items as number;
		expect(total).toBeGreaterThan(10);
		expect(page1.body.data.pagination.total_pages).toBe(Math.ceil(total / 3));
		const ids = [...page1.body.data.items, ...page2.body.data.items].map((r: { id: string }) => r.id);
		expect(new Set(ids).size).toBe(6);
		// newest first
		const times = page1.body.data.items.map((r: { created_at: string }) => Date.parse(r.created_at));
		expect([...times].sort((a, b) => b - a)).toEqual(times);

		const future = new Date(Date.now() + 3600_000).toISOString();
		expect(await auditRows(`from=${encodeURIComponent(future)}`)).toEqual([]);
		const past = new Date(Date.now() - 3600_000).toISOString();
		expect(await auditRows(`to=${encodeURIComponent(past)}`)).toEqual([]);
		const window = await auditRows(
			`from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}&action=user.created`
		);
		expect(window.length).toBeGreaterThan(3);
		expect(window.every((r) => r.action === 'user.created')).toBe(true);

		const bad = await client(owner.token).get('/audit-logs?actor_id=nope&from=yesterday&page_size=0');
		expect(bad.status).toBe(422);
		expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
			'actor_id',
			'from',
			'page_size'
		]);
	});

	it('refuses the audit log to non-admins', async () => {
		expect((await recruiter.api.get('/audit-logs')).status).toBe(403);
		expect((await client().get('/audit-logs')).status).toBe(401);
		expect((await admin.api.get('/audit-logs')).status).toBe(200);
	});

	// Last: whoever loses this race loses their super admin role and their sessions.
	it('two super admins demoting each other at once leave one super admin', async () => {
		const second = await client(owner.token).post('/users', {
			email: 'twin@example.com',
			name: 'Twin',
			password: 'a long password 1',
			role: 'super_admin'
		});
		expect(second.status).toBe(201);
		const twin = (await client().post('/auth/login', { email: 'twin@example.com', password: 'a long password 1' })).body
			.data.token as string;
		const results = await Promise.all([
			client(owner.token).patch(`/users/${second.body.data.id}`, { role: 'admin' }),
			client(twin).patch(`/users/${owner.user.id}`, { role: 'admin' })
		]);
		// One wins. The other is refused: as the last super admin's demotion (409), or because the
		// winner's change already demoted (403) or signed out (401) its author — never a 500.
		const statuses = results.map((r) => r.status);
		expect(statuses.filter((s) => s === 200)).toHaveLength(1);
		expect([401, 403, 409]).toContain(statuses.find((s) => s !== 200));
		const left = await client(owner.token).get('/users?role=super_admin&active=true');
		const twinLeft = await client(twin).get('/users?role=super_admin&active=true');
		// whoever won still has a session (the loser's ended with the role change)
		const remaining = (left.status === 200 ? left : twinLeft).body.data.items;
		expect(remaining).toHaveLength(1);
	});
});
