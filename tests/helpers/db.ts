import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/lib/server/db/client';
import { runMigrations } from '../../src/lib/server/db/migrate';
import { TEST_DATABASE_URL, type Backend } from './env';

import { inject } from 'vitest';

function adminUrl(database = 'postgres'): string {
	const url = new URL(TEST_DATABASE_URL);
	url.pathname = `/${database}`;
	return url.toString();
}

export function postgresUrl(database: string): string {
	return adminUrl(database);
}

/** Creates the migrated template database on Postgres (global setup, once per run). */
export async function preparePostgresTemplate(name: string): Promise<void> {
	const admin = new pg.Client({ connectionString: adminUrl() });
	await admin.connect();
	try {
		await admin.query(`drop database if exists ${name} with (force)`);
		await admin.query(`create database ${name}`);
	} finally {
		await admin.end();
	}
	const handle = await openDatabase({ url: adminUrl(name), poolSize: 1 });
	try {
		await runMigrations(handle);
	} finally {
		await handle.close();
	}
}

/** Drops this run's template and any test database it left behind (global teardown). */
export async function dropRunDatabases(runId: string): Promise<void> {
	const admin = new pg.Client({ connectionString: adminUrl() });
	await admin.connect();
	try {
		const { rows } = await admin.query<{ datname: string }>(
			`select datname from pg_database where datname like $1 or datname = $2`,
			[`hh_t_${runId}_%`, `hh_tpl_${runId}`]
		);
		for (const row of rows) await admin.query(`drop database if exists ${row.datname} with (force)`);
	} finally {
		await admin.end();
	}
}

/** Creates a migrated PGlite and dumps it for the test files to load (global setup). */
export async function preparePgliteTemplate(file: string): Promise<void> {
	const { PGlite } = await import('@electric-sql/pglite');
	const { drizzle } = await import('drizzle-orm/pglite');
	const { migrate } = await import('drizzle-orm/pglite/migrator');
	const { findMigrationsFolder } = await import('../../src/lib/server/db/migrate');
	const { writeFileSync } = await import('node:fs');
	const client = await PGlite.create();
	await migrate(drizzle(client), { migrationsFolder: findMigrationsFolder() });
	const dump = await client.dumpDataDir('none');
	writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
	await client.close();
}

export interface TestDatabase {
	backend: Backend;
	handle: DatabaseHandle;
	/** Postgres only: the connection URL (to start an app process against the same data). */
	url?: string;
	close(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a copy of the Postgres template, or a PGlite
 * loaded from the migrated dump (in memory).
 */
export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
	if (backend === 'postgres') {
		const name = `hh_t_${inject('runId')}_${randomBytes(5).toString('hex')}`;
		const admin = new pg.Client({ connectionString: adminUrl() });
		await admin.connect();
		try {
			// Concurrent copies of one template can collide briefly ("being accessed by other users").
			for (let attempt = 0; ; attempt++) {
				try {
					await admin.query(`create database ${name} template ${inject('postgresTemplate')}`);
					break;
				} catch (err) {
					if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
					await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
				}
			}
		} finally {
			await admin.end();
		}
		const url = adminUrl(name);
		const handle = await openDatabase({ url, poolSize: 5 });
		return {
			backend,
			handle,
			url,
			async close() {
				await handle.close();
				const drop = new pg.Client({ connectionString: adminUrl() });
				await drop.connect();
				try {
					await drop.query(`drop database if exists ${name} with (force)`);
				} finally {
					await drop.end();
				}
			}
		};
	}
	const dump = new Blob([readFileSync(inject('pgliteTemplate'))]);
	const handle = await openDatabase({ pgliteDir: 'memory://', pgliteLoadDataDir: dump });
	return { backend, handle, close: () => handle.close() };
}
