import { expect } from 'vitest';
import { apiClient } from './app';

type Client = ReturnType<typeof apiClient>;

export const PASSWORD = 'a long test password';

/** Registers the first account (super_admin) on a fresh app and returns its client. */
export async function registerAdmin(
	baseUrl: string,
	email = 'admin@example.com'
): Promise<{ api: Client; id: string }> {
	const res = await apiClient(baseUrl).post('/auth/register', { email, name: 'Ada Admin', password: PASSWORD });
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return { api: apiClient(baseUrl, res.body.data.token), id: res.body.data.user.id };
}

/** Creates a user through the admin API and signs them in. */
export async function createUser(
	baseUrl: string,
	admin: Client,
	role: string,
	name: string
): Promise<{ api: Client; id: string; email: string }> {
	const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`;
	const created = await admin.post('/users', { email, name, password: PASSWORD, role });
	expect(created.status, JSON.stringify(created.body)).toBe(201);
	const login = await apiClient(baseUrl).post('/auth/login', { email, password: PASSWORD });
	expect(login.status, JSON.stringify(login.body)).toBe(200);
	return { api: apiClient(baseUrl, login.body.data.token), id: created.body.data.id, email };
}

/** Polls `check` until it returns a truthy value (or fails after `timeoutMs`). */
export async function eventually<T>(
	check: () => Promise<T | null | undefined | false>,
	timeoutMs = 10_000,
	what = 'condition'
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value) return value;
		} catch (err) {
			last = err;
		}
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
