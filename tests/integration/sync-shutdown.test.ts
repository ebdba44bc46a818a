import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentNames } from '../../src/lib/collab/names';
import { notesText } from '../../src/lib/collab/notes';
import { SESSION_ENDED_CODE } from '../../sync-server/extensions/connections';
import { apiClient, startProcess, type RunningProcess } from '../helpers/app';
import {
	collabUrl,
	editThenSigterm,
	openDocument,
	SIGNALLED_WITHIN_MS,
	waitFor,
	type OpenedTestDocument
} from '../helpers/collab';

describe('embedded app: live connections and shutdown', () => {
	let app: Awaited<ReturnType<typeof startProcess>>;
	let restarted: RunningProcess | undefined;
	let admin: ReturnType<typeof apiClient>;
	let adminId: string;
	let adminToken: string;
	const clients: OpenedTestDocument[] = [];
	const open = (proc: RunningProcess, name: string, token: string) => {
		const client = openDocument({ url: collabUrl(proc), name, token });
		clients.push(client);
		return client;
	};

	beforeAll(async () => {
		app = await startProcess({ role: 'embedded' });
		const registered = await apiClient(app.url).post('/auth/register', {
			email: 'admin@example.test',
			name: 'Ada Admin',
			password: 'correct horse battery staple'
		});
		expect(registered.status).toBe(201);
		adminToken = registered.body.data.token;
		adminId = registered.body.data.user.id;
		admin = apiClient(app.url, adminToken);
	});

	afterAll(async () => {
		for (const client of clients) client.destroy();
		await app?.kill();
		await restarted?.kill();
	});

	it('logout closes that session; a role change or deactivation closes all of the user', async () => {
		const anonymous = apiClient(app.url);
		const created = await admin.post('/users', {
			email: 'rex@example.test',
			name: 'Rex Recruiter',
			password: 'another long password',
			role: 'recruiter'
		});
		expect(created.status).toBe(201);
		const rexId: string = created.body.data.id;
		const login = async () => {
			const res = await anonymous.post('/auth/login', { email: 'rex@example.test', password: 'another long password' });
			expect(res.status).toBe(200);
			return res.body.data.token as string;
		};
		const name = documentNames.notes(rexId);
		const laptopToken = await login();
		const laptop = open(app, name, laptopToken);
		const phone = open(app, name, await login());
		const tablet = open(app, name, await login());
		await Promise.all([laptop.synced, phone.synced, tablet.synced]);

		let started = performance.now();
		expect((await anonymous.withToken(laptopToken).post('/auth/logout')).status).toBe(200);
		await waitFor(() => laptop.closeCodes.includes(SESSION_ENDED_CODE), {
			message: 'the logged-out connection to close'
		});
		expect(performance.now() - started).toBeLessThan(1000);
		await waitFor(() => laptop.refusals.length > 0, { message: 'the logged-out provider to be refused' });
		expect(phone.closeCodes).toEqual([]);
		expect(tablet.closeCodes).toEqual([]);

		started = performance.now();
		expect((await admin.patch(`/users/${rexId}`, { role: 'viewer' })).status).toBe(200);
		await waitFor(
			() => phone.closeCodes.includes(SESSION_ENDED_CODE) && tablet.closeCodes.includes(SESSION_ENDED_CODE),
			{
				message: 'every connection of the user to close'
			}
		);
		expect(performance.now() - started).toBeLessThan(1000);
		await waitFor(() => phone.refusals.length > 0 && tablet.refusals.length > 0, {
			message: 'reconnects to be refused'
		});

		// Deactivation, for a fresh session of the same user.
		const again = open(app, name, await login());
		await again.synced;
		started = performance.now();
		expect((await admin.patch(`/users/${rexId}`, { is_active: false })).status).toBe(200);
		await waitFor(() => again.closeCodes.includes(SESSION_ENDED_CODE), {
			message: 'the deactivated user to be cut off'
		});
		expect(performance.now() - started).toBeLessThan(1000);
		await waitFor(() => again.refusals.length > 0, { message: 'the deactivated user to be refused' });
		for (const client of [laptop, phone, tablet, again]) client.destroy();
	});

	it('an edit made just before SIGTERM is there after a restart on the same data folder (hocuspocus#738)', async () => {
		const name = documentNames.notes(adminId);
		const first = open(app, name, adminToken);
		const { signalledAfterMs, code } = await editThenSigterm(app, first, 'typed just before SIGTERM');
		expect(signalledAfterMs).toBeLessThan(SIGNALLED_WITHIN_MS);
		expect(code, app.logs.slice(-15).join('\n')).toBe(0);
		expect(app.logs.join('\n')).not.toMatch(/could not be stored/);
		first.destroy();

		restarted = await startProcess({ role: 'embedded', dataDir: app.dataDir });
		const second = open(restarted, name, adminToken);
		await second.synced;
		expect(notesText(second.doc)).toBe('typed just before SIGTERM');
		second.destroy();
		expect(await restarted.stop()).toBe(0);
	});
});
