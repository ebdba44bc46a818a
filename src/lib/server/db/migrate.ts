import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseHandle } from './client';

/**
 * Finds the `drizzle/` folder: MIGRATIONS_DIR if set, else the nearest ancestor of this file
 * (or of the working directory) that holds `drizzle/meta/_journal.json`. Works from `src/`
 * under Vitest and from the bundles under `build/`.
 */
export function findMigrationsFolder(): string {
	const fromEnv = process.env.MIGRATIONS_DIR;
	if (fromEnv) return path.resolve(fromEnv);
	const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
	for (const start of starts) {
		let dir = start;
		for (;;) {
			const candidate = path.join(dir, 'drizzle');
			if (existsSync(path.join(candidate, 'meta', '_journal.json'))) return candidate;
			const parent = path.dirname(dir);
			if (parent === dir) break;
			dir = parent;
		}
	}
	throw new Error('Cannot find the drizzle/ migrations folder (set MIGRATIONS_DIR)');
}

/** Applies pending migrations; safe to run at every start and from several processes. */
export async function runMigrations(handle: DatabaseHandle): Promise<void> {
	const migrationsFolder = findMigrationsFolder();
	if (handle.kind === 'pglite') {
		const { migrate } = await import('drizzle-orm/pglite/migrator');
		// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator wants the concrete driver type
		await migrate(handle.db as any, { migrationsFolder });
		return;
	}
	const { migrate } = await import('drizzle-orm/node-postgres/migrator');
	// Several processes may start together in distributed mode: serialise them.
	await handle.rows('SELECT pg_advisory_lock(727274)');
	try {
		// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator wants the concrete driver type
		await migrate(handle.db as any, { migrationsFolder });
	} finally {
		await handle.rows('SELECT pg_advisory_unlock(727274)');
	}
}
