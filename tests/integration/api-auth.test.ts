import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, registerFirstAdmin, startProcess, type RunningProcess } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';

/**
 * Authentication through the built app: registration, sign-in (cookie and Bearer), throttling,
 * rotation, sign-out and password changes. The app trusts X-Forwarded-For (TRUST_PROXY), so each
 * test signs in from its own address and the per-address throttle stays per test.
 */
describe.each(BACKENDS)('auth API on %s', (backend) => {
	let app: RunningProcess;
	let database: TestDatabase | undefined;
	let owner: Awaited<ReturnType<typeof registerFirstAdmin>>;
	let nextAddress = 10;
	const newAddress = () => `10.1.0.${nextAddress++}`;
	const from = (ip: string) => ({ 'x-forwarded-for': ip });

	beforeAll(async () => {
		const env: Record<string, string> = { TRUST_PROXY: 'true' };
		if (backend === 'postgres') {
			database = await createTestDatabase('postgres');
			env.DATABASE_URL = database.url as string;
		}
		app = await startProcess({ env });
		owner = await registerFirstAdmin(app.url);
	});

	afterAll(async () => {
		await app?.stop();
		await database?.close();
	});

	async function createUser(role: string, email: string, password = 'a long password 1') {
		const response = await owner.api.post('/users', { email, name: email.split('@')[0], password, role });
		expect(response.status).toBe(201);
		return { id: response.body.data.id as string, email, password };
	}

	async function login(email: string, password: string, ip = newAddress()) {
		return apiClient(app.url).post('/auth/login', { email, password }, from(ip));
	}

	it('made the first account a super admin, and closed registration after it', async () => {
		expect(owner.user).toMatchObject({ email: 'owner@example.com', role: 'super_admin' });
		expect(owner.token).toMatch(/^[a-z2-7]{32}$/);
		const second = await apiClient(app.url).post('/auth/register', {
			email: 'second@example.com',
			name: 'Second',
			password: 'another password 1'
		});
		expect(second.status).toBe(403);
		expect(second.body).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
		const me = await owner.api.get('/auth/me');
		expect(me.body.data.user.email).toBe('owner@example.com');
	});

	it('refuses a password under 12 characters with the field named', async () => {
		const response = await owner.api.post('/users', {
			email: 'short@example.com',
			name: 'Short',
			password: 'elevenchars',
			role: 'viewer'
		});
		expect(response.status).toBe(422);
		expect(response.body.error).toMatchObject({
			code: 'VALIDATION_ERROR',
			details: [{ field: 'password', message: 'Password must be at least 12 characters' }]
		});
		const register = await apiClient(app.url).post('/auth/register', {
			email: 'x@example.com',
			name: 'X',
			password: 'short'
		});
		expect(register.status).toBe(422);
		expect(register.body.error.details).toEqual([
			{ field: 'password', message: expect.stringMatching(/12 characters/) }
		]);
	});

	it('signs in with an httpOnly SameSite=Lax cookie (not Secure over http) and a Bearer token; both work', async () => {
		const user = await createUser('recruiter', 'rita@example.com');
		const response = await login('RITA@example.com', user.password);
		expect(response.status).toBe(200);
		expect(response.body).toMatchObject({
			success: true,
			data: { user: { id: user.id, email: 'rita@example.com', role: 'recruiter' }, token: expect.any(String) },
			message: 'Signed in'
		});
		const token: string = response.body.data.token;
		const cookie = response.headers.get('set-cookie') ?? '';
		expect(cookie).toMatch(new RegExp(`^hh_session=${token};`));
		expect(cookie).toMatch(/; HttpOnly/i);
		expect(cookie).toMatch(/; SameSite=Lax/i);
		expect(cookie).toMatch(/; Path=\//i);
		expect(cookie).not.toMatch(/; Secure/i);
		expect(new Date(response.body.data.expires_at).getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);

		const byBearer = await apiClient(app.url, token).get('/auth/me');
		expect(byBearer.status).toBe(200);
		expect(byBearer.body.data.user).toEqual({
			id: user.id,
			email: 'rita@example.com',
			name: 'rita',
			role: 'recruiter',
			// The departments she works for: none, the whole organisation.
			department_ids: []
		});
		const byCookie = await apiClient(app.url).get('/auth/me', { cookie: `hh_session=${token}` });
		expect(byCookie.status).toBe(200);
		expect(byCookie.body.data.user.id).toBe(user.id);
	});

	it('answers 401 without a session, with a bad token and with a malformed header', async () => {
		const attempts: Array<Record<string, string>> = [
			{},
			{ authorization: 'Bearer aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
			{ authorization: 'Token x' }
		];
		for (const headers of attempts) {
			const response = await apiClient(app.url).get('/auth/me', headers);
			expect(response.status).toBe(401);
			expect(response.body).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
		}
	});

	it('gives the same answer for an unknown e-mail and a wrong password', async () => {
		const user = await createUser('viewer', 'vic@example.com');
		const wrongPassword = await login(user.email, 'not the password at all');
		const unknownEmail = await login('nobody@example.com', 'not the password at all');
		expect(wrongPassword.status).toBe(401);
		expect(unknownEmail.status).toBe(401);
		expect(wrongPassword.body.error).toEqual({
			...unknownEmail.body.error,
			request_id: wrongPassword.body.error.request_id
		});
		expect(wrongPassword.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid e-mail or password' });
		expect(wrongPassword.headers.get('set-cookie')).toBeNull();
	});

	it('does not let a deactivated account sign in, with the same answer', async () => {
		const user = await createUser('viewer', 'gone@example.com');
		expect((await owner.api.patch(`/users/${user.id}`, { is_active: false })).status).toBe(200);
		const response = await login(user.email, user.password);
		expect(response.status).toBe(401);
		expect(response.body.error.message).toBe('Invalid e-mail or password');
	});

	it('after 5 failures for one e-mail within 15 minutes answers 429 with Retry-After, from any address', async () => {
		const user = await createUser('viewer', 'target@example.com');
		for (let i = 0; i < 5; i++) {
			expect((await login(user.email, `wrong password ${i}`)).status).toBe(401);
		}
		// the right password from yet another address is refused too while the e-mail is locked
		const locked = await login(user.email, user.password);
		expect(locked.status).toBe(429);
		const retryAfter = Number(locked.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThan(14 * 60);
		expect(retryAfter).toBeLessThanOrEqual(15 * 60);
		expect(locked.body).toMatchObject({ success: false, error: { code: 'TOO_MANY_REQUESTS' } });
		// other accounts are not affected
		const other = await createUser('viewer', 'bystander@example.com');
		expect((await login(other.email, other.password)).status).toBe(200);
	});

	it('after 5 failures from one address answers 429 for that address only', async () => {
		const user = await createUser('viewer', 'sprayed@example.com');
		const attacker = newAddress();
		for (let i = 0; i < 5; i++) {
			expect((await login(`victim${i}@example.com`, 'guess guess guess', attacker)).status).toBe(401);
		}
		const blocked = await login(user.email, user.password, attacker);
		expect(blocked.status).toBe(429);
		expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
		// the same account from a different address signs in
		expect((await login(user.email, user.password)).status).toBe(200);
	});

	it('a successful sign-in clears earlier failures of that e-mail', async () => {
		const user = await createUser('viewer', 'typo@example.com');
		for (let i = 0; i < 4; i++) expect((await login(user.email, 'typo typo typo')).status).toBe(401);
		expect((await login(user.email, user.password)).status).toBe(200);
		for (let i = 0; i < 4; i++) expect((await login(user.email, 'typo typo typo')).status).toBe(401);
		expect((await login(user.email, user.password)).status).toBe(200);
	});

	it('refresh rotates the token: the new one works, the old one stops working', async () => {
		const user = await createUser('viewer', 'rotor@example.com');
		const old: string = (await login(user.email, user.password)).body.data.token;
		const refreshed = await apiClient(app.url, old).post('/auth/refresh');
		expect(refreshed.status).toBe(200);
		const fresh: string = refreshed.body.data.token;
		expect(fresh).not.toBe(old);
		expect(refreshed.headers.get('set-cookie')).toMatch(new RegExp(`^hh_session=${fresh};`));
		expect((await apiClient(app.url, fresh).get('/auth/me')).status).toBe(200);
		expect((await apiClient(app.url, old).get('/auth/me')).status).toBe(401);
		expect((await apiClient(app.url, old).post('/auth/refresh')).status).toBe(401);
	});

	it('logout ends that session only and clears the cookie', async () => {
		const user = await createUser('viewer', 'leaver@example.com');
		const first: string = (await login(user.email, user.password)).body.data.token;
		const second: string = (await login(user.email, user.password)).body.data.token;
		const response = await apiClient(app.url, first).post('/auth/logout');
		expect(response.status).toBe(200);
		expect(response.body).toMatchObject({ success: true, data: null, message: 'Signed out' });
		expect(response.headers.get('set-cookie')).toMatch(/^hh_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
		expect((await apiClient(app.url, first).get('/auth/me')).status).toBe(401);
		expect((await apiClient(app.url, second).get('/auth/me')).status).toBe(200);
		expect((await apiClient(app.url, first).post('/auth/logout')).status).toBe(401);
	});

	it('changing one\u2019s own password needs the current one and ends every other session', async () => {
		const user = await createUser('interviewer', 'ivy@example.com');
		const here: string = (await login(user.email, user.password)).body.data.token;
		const elsewhere: string = (await login(user.email, user.password)).body.data.token;

		const wrong = await apiClient(app.url, here).post('/auth/password', {
			current_password: 'not my password',
			new_password: 'a brand new password'
		});
		expect(wrong.status).toBe(422);
		expect(wrong.body.error.details).toEqual([{ field: 'current_password', message: 'The current password is wrong' }]);
		const tooShort = await apiClient(app.url, here).post('/auth/password', {
			current_password: user.password,
			new_password: 'short'
		});
		expect(tooShort.status).toBe(422);
		expect(tooShort.body.error.details[0].field).toBe('new_password');

		const changed = await apiClient(app.url, here).post('/auth/password', {
			current_password: user.password,
			new_password: 'a brand new password'
		});
		expect(changed.status).toBe(200);
		const next: string = changed.body.data.token;
		expect((await apiClient(app.url, next).get('/auth/me')).status).toBe(200);
		expect((await apiClient(app.url, here).get('/auth/me')).status).toBe(401);
		expect((await apiClient(app.url, elsewhere).get('/auth/me')).status).toBe(401);
		expect((await login(user.email, user.password)).status).toBe(401);
		expect((await login(user.email, 'a brand new password')).status).toBe(200);

		// nobody, not even an admin, sets their own password without the current one
		const selfReset = await owner.api.patch(`/users/${owner.user.id}`, { password: 'no current password' });
		expect(selfReset.status).toBe(403);
	});

	it('refuses a body that is not JSON (415), and a cross-site form post (403), as envelopes', async () => {
		const xml = await apiClient(app.url).post('/auth/login', '<login/>', { 'content-type': 'application/xml' });
		expect(xml.status).toBe(415);
		expect(xml.body).toMatchObject({ success: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
		const form = await apiClient(app.url).post('/auth/login', 'email=a@b.c&password=x', {
			'content-type': 'application/x-www-form-urlencoded',
			origin: 'https://evil.example'
		});
		expect(form.status).toBe(403);
		expect(form.body).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
	});
});
