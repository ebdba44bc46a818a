/** Accounts for the benchmarks, made through the public API as a client would. */

export const BENCH_PASSWORD = 'bench-password-0123456789';

export interface Account {
	id: string;
	email: string;
	token: string;
}

/** A JSON request to the app; a non-2xx answer throws with the body. Returns the parsed envelope. */
export async function api(baseUrl: string, method: string, path: string, body?: unknown, token?: string): Promise<any> {
	const res = await fetch(baseUrl + path, {
		method,
		headers: {
			...(body !== undefined ? { 'content-type': 'application/json' } : {}),
			...(token ? { authorization: `Bearer ${token}` } : {})
		},
		body: body !== undefined ? JSON.stringify(body) : undefined
	});
	const json: unknown = await res.json().catch(() => null);
	if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
	return json;
}

/** The first account (super_admin) on an empty database. */
export async function registerAdmin(baseUrl: string): Promise<Account> {
	const email = 'admin@bench.example';
	const json = await api(baseUrl, 'POST', '/api/v1/auth/register', {
		email,
		name: 'Bench Admin',
		password: BENCH_PASSWORD
	});
	return { id: json.data.user.id, email, token: json.data.token };
}

export async function login(baseUrl: string, email: string): Promise<Account> {
	const json = await api(baseUrl, 'POST', '/api/v1/auth/login', { email, password: BENCH_PASSWORD });
	return { id: json.data.user.id, email, token: json.data.token };
}

/** `count` users created by the admin (role interviewer), each signed in once. */
export async function createUsers(baseUrl: string, admin: Account, count: number, concurrency = 4): Promise<Account[]> {
	const accounts: Account[] = new Array(count);
	let next = 0;
	async function worker() {
		while (next < count) {
			const i = next++;
			const email = `user${i}@bench.example`;
			await api(
				baseUrl,
				'POST',
				'/api/v1/users',
				{ email, name: `Bench User ${i}`, password: BENCH_PASSWORD, role: 'interviewer' },
				admin.token
			);
			accounts[i] = await login(baseUrl, email);
		}
	}
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
	return accounts;
}

export const notesDocument = (userId: string) => `notes:${userId}`;
