import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentNames } from '../../src/lib/collab/names';
import { notesText } from '../../src/lib/collab/notes';
import { apiClient, startProcess, type RunningProcess } from '../helpers/app';
import { SESSION_ENDED_CODE } from '../../sync-server/extensions/connections';
import {
	appendParagraph,
	createUserWithSession,
	openDocument,
	waitFor,
	type OpenedTestDocument
} from '../helpers/collab';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/env';

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** A Redis of this test's own (never the shared one), so it can be restarted. */
async function startRedis(port: number): Promise<ChildProcess> {
	const child = spawn(
		'redis-server',
		['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
		{
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	await new Promise<void>((resolve, reject) => {
		let output = '';
		const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
		child.stdout?.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			if (output.includes('Ready to accept connections')) {
				clearTimeout(timer);
				resolve();
			}
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`redis-server exited with ${code}:\n${output}`));
		});
	});
	return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGKILL');
	await exited;
}

const redisErrors = (proc: RunningProcess) => proc.logs.filter((line) => line.includes('collab redis error')).length;

const lines = (client: OpenedTestDocument) => notesText(client.doc).split('\n').filter(Boolean).sort();

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)('two sync-server processes joined by Redis', () => {
	let database: TestDatabase;
	let redis: ChildProcess;
	let redisPort: number;
	let env: Record<string, string>;
	const syncs: RunningProcess[] = [];
	let web: RunningProcess | undefined;
	const clients: OpenedTestDocument[] = [];

	beforeAll(async () => {
		database = await createTestDatabase('postgres');
		redisPort = await freePort();
		redis = await startRedis(redisPort);
		env = {
			DATABASE_URL: database.url ?? '',
			REDIS_URL: `redis://127.0.0.1:${redisPort}`,
			// Both processes must share the channel names.
			REDIS_PREFIX: `hhsync-${randomBytes(4).toString('hex')}`
		};
		syncs.push(...(await Promise.all([startProcess({ role: 'sync', env }), startProcess({ role: 'sync', env })])));
	});

	afterAll(async () => {
		for (const client of clients) client.destroy();
		for (const sync of syncs) await sync.kill();
		await web?.kill();
		if (redis) await stopRedis(redis);
		await database?.close();
	});

	it('converge a document edited on both, and again after Redis restarts (hocuspocus#800)', async () => {
		const { user, token } = await createUserWithSession(database.handle.db);
		const name = documentNames.notes(user.id);
		const [one, two] = syncs.map((sync) => {
			const client = openDocument({ url: `${sync.url.replace('http', 'ws')}/collab`, name, token });
			clients.push(client);
			return client;
		});
		await Promise.all([one.synced, two.synced]);
		for (const sync of syncs) {
			const ready = await fetch(`${sync.url}/health/ready`);
			expect(ready.status).toBe(200);
			expect(await ready.json()).toMatchObject({
				ok: true,
				checks: { sync: { ok: true, detail: expect.stringMatching(/1 documents/) } }
			});
		}

		appendParagraph(one.doc, 'one: first');
		appendParagraph(two.doc, 'two: first');
		const firstRound = ['one: first', 'two: first'];
		await waitFor(() => lines(one).join() === firstRound.join() && lines(two).join() === firstRound.join(), {
			message: 'both clients to see both edits'
		});

		// Redis goes away; both keep editing; pub/sub drops whatever is published meanwhile.
		const errorsBefore = syncs.map(redisErrors);
		await stopRedis(redis);
		appendParagraph(one.doc, 'one: during the outage');
		appendParagraph(two.doc, 'two: during the outage');
		await Promise.all([one.flushed(), two.flushed()]);
		expect(lines(one)).not.toContain('two: during the outage');
		expect(lines(two)).not.toContain('one: during the outage');
		// A real outage: every process has failed to reconnect several times (its backoff grows,
		// so they come back at different moments and miss each other's first messages).
		await waitFor(() => syncs.every((sync, i) => redisErrors(sync) >= errorsBefore[i] + 12), {
			timeoutMs: 20_000,
			message: 'both processes to notice the outage'
		});

		redis = await startRedis(redisPort);
		// No further edit needed: each process republishes its state when Redis is back.
		const secondRound = [...firstRound, 'one: during the outage', 'two: during the outage'].sort();
		await waitFor(() => lines(one).join() === secondRound.join() && lines(two).join() === secondRound.join(), {
			timeoutMs: 20_000,
			message: 'both clients to converge after Redis came back'
		});

		appendParagraph(one.doc, 'one: after');
		appendParagraph(two.doc, 'two: after');
		const thirdRound = [...secondRound, 'one: after', 'two: after'].sort();
		await waitFor(() => lines(one).join() === thirdRound.join() && lines(two).join() === thirdRound.join(), {
			message: 'live sync to work again'
		});

		// Both stored what they hold (merge on store): a fresh client anywhere sees everything.
		one.destroy();
		two.destroy();
		for (const sync of syncs) {
			await waitFor(
				async () => {
					const res = await fetch(`${sync.url}/metrics`);
					return /^collab_documents_loaded 0$/m.test(await res.text());
				},
				{ message: 'the sync processes to unload the document' }
			);
		}
		const reader = openDocument({ url: `${syncs[1].url.replace('http', 'ws')}/collab`, name, token });
		clients.push(reader);
		await reader.synced;
		expect(lines(reader)).toEqual(thirdRound);
	});

	it('closes live connections on a sync process when the web process ends the sessions (bus over Redis)', async () => {
		web = await startProcess({ role: 'web', env });
		const admin = await createUserWithSession(database.handle.db, { role: 'admin' });
		const { user, token } = await createUserWithSession(database.handle.db, { role: 'recruiter' });
		const clientsOfUser = syncs.map((sync) => {
			const client = openDocument({
				url: `${sync.url.replace('http', 'ws')}/collab`,
				name: documentNames.notes(user.id),
				token
			});
			clients.push(client);
			return client;
		});
		await Promise.all(clientsOfUser.map((c) => c.synced));
		const started = performance.now();
		const res = await apiClient(web.url, admin.token).patch(`/users/${user.id}`, { role: 'viewer' });
		expect(res.status).toBe(200);
		await waitFor(() => clientsOfUser.every((c) => c.closeCodes.includes(SESSION_ENDED_CODE)), {
			message: 'the connections on both sync processes to close'
		});
		expect(performance.now() - started).toBeLessThan(2000);
		await waitFor(() => clientsOfUser.every((c) => c.refusals.length > 0), { message: 'the reconnects to be refused' });
		for (const client of clientsOfUser) client.destroy();
	});
});
