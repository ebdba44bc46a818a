import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The product version from the nearest package.json named hiring-hare. */
export function readPackageVersion(): string {
	if (cached) return cached;
	for (const start of [path.dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
		let dir = start;
		for (;;) {
			const file = path.join(dir, 'package.json');
			if (existsSync(file)) {
				try {
					const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
					if (pkg.name === 'hiring-hare' && pkg.version) return (cached = pkg.version);
				} catch {
					// keep looking
				}
			}
			const parent = path.dirname(dir);
			if (parent === dir) break;
			dir = parent;
		}
	}
	return (cached = '0.0.0');
}
