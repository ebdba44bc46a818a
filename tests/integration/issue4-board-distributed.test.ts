import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentNames } from '../../src/lib/collab/names';
import { readCards } from '../../src/lib/collab/pipeline';
import { apiClient, startProcess, type RunningProcess } from '../helpers/app';
import { openDocument, waitFor, type OpenedTestDocument } from '../helpers/collab';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/env';
import { addApplication, client, createCandidate, createOrg, openRequirement, type Org } from '../helpers/hiring';
import { PASSWORD } from '../helpers/org';

/**
 * Distributed mode (issue 4, REST card moves): the web process does not open the board document
 * itself; it publishes the committed move on the `boards` channel and the sync process that holds
 * the document mirrors it. Viewers on the sync process see a REST move without the ≥ 1 s round of
 * a direct connection from the web process (the Redis extension's disconnect delay).
 */
describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)('REST card moves in distributed mode', () => {
	let database: TestDatabase;
	let sync: RunningProcess;
	let web: RunningProcess & { dataDir: string };
	let org: Org;
	const opened: OpenedTestDocument[] = [];

	beforeAll(async () => {
		database = await createTestDatabase('postgres');
		const env = {
			DATABASE_URL: database.url ?? '',
			REDIS_URL: TEST_REDIS_URL ?? '',
			REDIS_PREFIX: `hhboard-${randomBytes(4).toString('hex')}`,
			RATE_LIMIT_PER_MINUTE: '0'
		};
		[sync, web] = await Promise.all([startProcess({ role: 'sync', env }), startProcess({ role: 'web', env })]);
		const register = await apiClient(web.url).post('/auth/register', {
			email: 'admin@example.com',
			name: 'Ada Admin',
			password: PASSWORD
		});
		expect(register.status, JSON.stringify(register.body)).toBe(201);
		const token: string = register.body.data.token;
		org = await createOrg({
			app: web,
			database,
			url: web.url,
			collabUrl: `${sync.url.replace('http', 'ws')}/collab`,
			admin: {
				api: client(web.url, token),
				id: register.body.data.user.id,
				email: 'admin@example.com',
				name: 'Ada Admin',
				token
			},
			close: async () => {}
		});
	});

	afterAll(async () => {
		for (const d of opened) d.destroy();
		await web?.kill();
		await sync?.kill();
		await database?.close();
	});

	it('shows a REST move to viewers on the sync process, mirrored there from the bus', async () => {
		const req = await openRequirement(org, 'Distributed Board');
		const apps: string[] = [];
		for (let i = 1; i <= 3; i++) {
			const c = await createCandidate(org.recruiter, { name: `Distributed Person ${i}` });
			apps.push((await addApplication(org.recruiter, req.id, c.id)).id);
		}
		const viewers = [org.viewer, org.manager].map((who) => {
			const board = openDocument({
				url: `${sync.url.replace('http', 'ws')}/collab`,
				name: documentNames.pipeline(req.id),
				token: who.token
			});
			opened.push(board);
			return board;
		});
		await Promise.all(viewers.map((v) => v.synced));
		expect(viewers.every((v) => readCards(v.doc).get(apps[0])?.stage === 'sourced')).toBe(true);

		// Several moves in a row, as a recruiter clicking through: each shows, and the last wins.
		const timings: number[] = [];
		for (const [i, stage] of (['screening', 'interview', 'screening'] as const).entries()) {
			const started = performance.now();
			const moved = await org.recruiter.api.patch(`/applications/${apps[0]}/stage`, { stage, version: i + 1 });
			expect(moved.status, JSON.stringify(moved.body)).toBe(200);
			await waitFor(() => viewers.every((v) => readCards(v.doc).get(apps[0])?.stage === stage), {
				message: `every viewer to see the card in ${stage}`
			});
			timings.push(performance.now() - started);
		}
		// The old path (a direct connection from the web process) took at least 1 s a move.
		expect(Math.min(...timings)).toBeLessThan(1000);
		// The document agrees with Postgres for every card.
		const stored = await org.recruiter.api.get(`/requirements/${req.id}/applications`);
		for (const row of stored.body.data.items as Array<{ id: string; stage: string; rank: string }>) {
			for (const v of viewers) expect(readCards(v.doc).get(row.id)).toMatchObject({ stage: row.stage, rank: row.rank });
		}
	});
});
