import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { dropRunDatabases, preparePgliteTemplate, preparePostgresTemplate } from './db';
import { TEST_DATABASE_URL } from './env';

declare module 'vitest' {
	export interface ProvidedContext {
		pgliteTemplate: string;
		postgresTemplate: string;
		runId: string;
	}
}

// Shared by the projects of one run (this module is loaded once per run in the main process).
let prepared: Promise<{ pgliteTemplate: string; postgresTemplate: string; runId: string }> | undefined;

/**
 * Once per test run: build the app if its sources changed (integration and browser tests run the
 * built processes), migrate a PGlite template and, with TEST_DATABASE_URL, a Postgres template
 * database that each test file copies. Names are unique per run, so runs can overlap.
 */
export default async function setup(project: TestProject) {
	prepared ??= (async () => {
		const buildDir = process.env.HH_BUILD_DIR || 'build';
		const { fingerprint } = await import('../../scripts/fingerprint.mjs');
		const stamp = `${buildDir}/.fingerprint`;
		if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== fingerprint()) {
			execSync('npm run build', { stdio: 'inherit' });
		}
		const runId = randomBytes(4).toString('hex');
		const pgliteTemplate = `/tmp/hh-test-pglite-${runId}.tar`;
		await preparePgliteTemplate(pgliteTemplate);
		const postgresTemplate = `hh_tpl_${runId}`;
		if (TEST_DATABASE_URL) await preparePostgresTemplate(postgresTemplate);
		return { pgliteTemplate, postgresTemplate, runId };
	})();
	const values = await prepared;
	project.provide('pgliteTemplate', values.pgliteTemplate);
	project.provide('postgresTemplate', values.postgresTemplate);
	project.provide('runId', values.runId);
	return async () => {
		rmSync(values.pgliteTemplate, { force: true });
		if (TEST_DATABASE_URL) await dropRunDatabases(values.runId);
	};
}
