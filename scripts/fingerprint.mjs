// A cheap fingerprint of everything the build depends on (paths, sizes, modification times),
// so `npm start` rebuilds only when something changed.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';

const INPUTS = [
	'src',
	'sync-server',
	'worker',
	'server',
	'static',
	'package.json',
	'package-lock.json',
	'svelte.config.js',
	'vite.config.ts',
	'tsconfig.json'
];

function walk(entry, out) {
	if (!existsSync(entry)) return;
	const stat = statSync(entry);
	if (stat.isDirectory()) {
		for (const name of readdirSync(entry).sort()) walk(path.join(entry, name), out);
	} else {
		out.push(`${entry}:${stat.size}:${Math.floor(stat.mtimeMs)}`);
	}
}

export function fingerprint(root = process.cwd()) {
	const lines = [];
	for (const input of INPUTS) walk(path.join(root, input), lines);
	return createHash('sha256').update(lines.join('\n')).digest('hex');
}
