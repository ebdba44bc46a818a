import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { startProcess } from './app';
import { sql, type RunningApp } from './hiring';

/**
 * Assigns users to departments by writing `user_departments` rows directly (the scope suites run
 * before, and independently of, the users API that assigns them). On Postgres the rows go in
 * beside the running app. An embedded app on PGlite holds its database folder alone, so it is
 * stopped, the rows are written into that folder, and it is started again on the same port and
 * folder (the sessions are in the database: members stay signed in). `env` is what the app was
 * started with (`startApp`'s extra environment).
 */
export async function assignDepartmentRows(
	running: RunningApp,
	rows: Array<{ userId: string; departmentId: string }>,
	env: Record<string, string> = {}
): Promise<void> {
	if (rows.length === 0) return;
	const values = rows.map((_, i) => `($${i * 2 + 1}::uuid, $${i * 2 + 2}::uuid)`).join(', ');
	const params = rows.flatMap((r) => [r.userId, r.departmentId]);
	const statement = `insert into user_departments (user_id, department_id) values ${values} on conflict do nothing`;
	if (running.database?.url) {
		await sql(running.database, statement, params);
		return;
	}
	const port = running.app.port;
	await running.app.stop();
	const db = await PGlite.create(path.join(running.app.dataDir, 'pg'));
	try {
		await db.query(statement, params);
	} finally {
		await db.close();
	}
	const app = await startProcess({
		env: { RATE_LIMIT_PER_MINUTE: '0', ...env, PORT: String(port) },
		dataDir: running.app.dataDir
	});
	running.app = app;
	const database = running.database;
	running.close = async () => {
		await app.stop();
		await database?.close();
	};
}
