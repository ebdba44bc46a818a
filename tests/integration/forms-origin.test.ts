import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess } from '../helpers/app';

type Started = Awaited<ReturnType<typeof startProcess>>;

// A newcomer runs `npm start` with no ORIGIN and opens http://localhost:3000: the sign-in and
// first-run forms must work over plain http, and cross-site form posts must still be refused.
describe('form posts without ORIGIN over plain http', () => {
	let app: Started;

	beforeAll(async () => {
		app = await startProcess({ env: {} });
	});
	afterAll(async () => {
		await app?.stop();
	});

	const post = (path: string, headers: Record<string, string>, body: string) =>
		fetch(`${app.url}${path}`, {
			method: 'POST',
			redirect: 'manual',
			headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
			body
		});

	it('accepts the first-run form from the same origin and signs in', async () => {
		const res = await post(
			'/setup',
			{ origin: app.url },
			'name=Ada+Admin&email=ada%40example.com&password=correct+horse+battery'
		);
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/');
		expect(res.headers.get('set-cookie')).toMatch(/hh_session=[a-z2-7]{32}; .*HttpOnly/i);
		expect(res.headers.get('set-cookie')).not.toMatch(/Secure/i);
		const login = await post('/login', { origin: app.url }, 'email=ada%40example.com&password=correct+horse+battery');
		expect(login.status).toBe(303);
	});

	it('refuses a cross-site form post, and a client cannot claim https for itself', async () => {
		const evil = await post('/login', { origin: 'http://evil.example' }, 'email=ada%40example.com&password=x');
		expect(evil.status).toBe(403);
		const spoofed = await post(
			'/login',
			{ origin: app.url.replace('http:', 'https:'), 'x-hiring-hare-protocol': 'https' },
			'email=ada%40example.com&password=x'
		);
		expect(spoofed.status).toBe(403);
	});
});
