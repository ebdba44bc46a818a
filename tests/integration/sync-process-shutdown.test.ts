import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, describe, expect, it } from 'vitest';
import { documentNames } from '../../src/lib/collab/names';
import { notesText } from '../../src/lib/collab/notes';
import { documents } from '../../src/lib/server/db/schema';
import { startProcess, type RunningProcess } from '../helpers/app';
import {
	collabUrl,
	createUserWithSession,
	editThenSigterm,
	openDocument,
	SIGNALLED_WITHIN_MS,
	type OpenedTestDocument
} from '../helpers/collab';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/env';

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)('sync-server process (Postgres + Redis): shutdown', () => {
	const running: RunningProcess[] = [];
	const clients: OpenedTestDocument[] = [];
	let database: TestDatabase | undefined;

	afterAll(async () => {
		for (const client of clients) client.destroy();
		for (const proc of running) await proc.kill();
		await database?.close();
	});

	it('an edit made just before SIGTERM is stored before the process exits', async () => {
		database = await createTestDatabase('postgres');
		const env = { DATABASE_URL: database.url ?? '', REDIS_URL: TEST_REDIS_URL };
		const { user, token } = await createUserWithSession(database.handle.db);
		const name = documentNames.notes(user.id);
		const sync = await startProcess({ role: 'sync', env });
		running.push(sync);

		const client = openDocument({ url: collabUrl(sync), name, token });
		clients.push(client);
		const { signalledAfterMs, code } = await editThenSigterm(sync, client, 'typed just before SIGTERM');
		expect(signalledAfterMs).toBeLessThan(SIGNALLED_WITHIN_MS);
		expect(code, sync.logs.slice(-15).join('\n')).toBe(0);
		client.destroy();

		const [row] = await database.handle.db.select().from(documents).where(eq(documents.name, name));
		expect(row).toBeDefined();
		const stored = new Y.Doc();
		Y.applyUpdate(stored, row.state);
		expect(notesText(stored)).toBe('typed just before SIGTERM');

		const again = await startProcess({ role: 'sync', env });
		running.push(again);
		const reader = openDocument({ url: collabUrl(again), name, token });
		clients.push(reader);
		await reader.synced;
		expect(notesText(reader.doc)).toBe('typed just before SIGTERM');
		reader.destroy();
		expect(await again.stop()).toBe(0);
	});

	it('serves /metrics only with the METRICS_TOKEN bearer token when one is set', async () => {
		database ??= await createTestDatabase('postgres');
		const METRICS_TOKEN = 'sync-scrape-0123456789abcdef';
		const sync = await startProcess({
			role: 'sync',
			env: { DATABASE_URL: database.url ?? '', REDIS_URL: TEST_REDIS_URL, METRICS_TOKEN }
		});
		running.push(sync);
		const anonymous = await fetch(`${sync.url}/metrics`);
		expect(anonymous.status).toBe(401);
		expect(await anonymous.text()).not.toContain('# HELP');
		const wrong = await fetch(`${sync.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
		expect(wrong.status).toBe(401);
		const allowed = await fetch(`${sync.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
		expect(allowed.status).toBe(200);
		expect(await allowed.text()).toContain('# HELP');
		// Health stays open for the orchestrator.
		expect((await fetch(`${sync.url}/health/live`)).status).toBe(200);
		expect(await sync.stop()).toBe(0);
	});
});
