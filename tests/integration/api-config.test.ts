import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BUILD_DIR = process.env.HH_BUILD_DIR || 'build';

/** Runs a built entry until it exits; returns its exit code and output. */
function run(entry: string, args: string[], env: Record<string, string>) {
	return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
		const child = spawn(process.execPath, [path.join(BUILD_DIR, entry), ...args], {
			env: {
				PATH: process.env.PATH,
				HOME: process.env.HOME,
				DATA_DIR: mkdtempSync(path.join(tmpdir(), 'hh-cfg-')),
				...env
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
		child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`${entry} did not exit:\n${stdout}\n${stderr}`));
		}, 30_000);
		child.once('exit', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr });
		});
	});
}

/** Every process entry refuses a bad environment with exit code 1 and one line naming the variable. */
describe('start-up with a bad configuration', () => {
	it.each([
		['main.js', ['embedded'], { PORT: 'eighty' }, 'Invalid configuration: PORT must be a whole number (got "eighty")'],
		[
			'main.js',
			['embedded'],
			{ LOG_LEVEL: 'chatty' },
			'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "chatty")'
		],
		[
			'main.js',
			['web'],
			{ REDIS_URL: 'redis://127.0.0.1:1', SECRET_KEY: 'k'.repeat(32) },
			'Invalid configuration: DATABASE_URL is required to run the web process on its own (distributed mode: a postgres:// URL)'
		],
		[
			'worker.js',
			['worker'],
			{ DATABASE_URL: 'postgres://127.0.0.1:1/x', SECRET_KEY: 'k'.repeat(32) },
			'Invalid configuration: REDIS_URL is required to run the worker process on its own (distributed mode: a redis:// URL)'
		],
		[
			'worker.js',
			['worker'],
			{ DATABASE_URL: 'postgres://127.0.0.1:1/x', REDIS_URL: 'redis://127.0.0.1:1' },
			'Invalid configuration: SECRET_KEY is required to run the worker process on its own (distributed mode: the same 32+ character key in every process)'
		],
		[
			'sync-server.js',
			['sync'],
			{ DATABASE_URL: 'mysql://x', REDIS_URL: 'redis://127.0.0.1:1' },
			'Invalid configuration: DATABASE_URL must be a URL starting with postgres:// or postgresql:// (got "***")'
		]
	] as Array<[string, string[], Record<string, string>, string]>)(
		'%s %j with %j stops with one line',
		async (entry, args, env, line) => {
			const result = await run(entry, args, env);
			expect(result.code).toBe(1);
			expect(result.stderr.trim()).toBe(line);
			expect(result.stdout.trim()).toBe('');
		}
	);
});
