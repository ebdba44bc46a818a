// `npm start [embedded|web|sync|worker]`: builds the app if the sources changed since the last
// build, then runs the chosen process in this one (signals reach it directly).
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fingerprint } from './fingerprint.mjs';

const role = process.argv[2] ?? 'embedded';
const buildDir = process.env.HH_BUILD_DIR || 'build';
const entries = {
	embedded: `${buildDir}/main.js`,
	web: `${buildDir}/main.js`,
	sync: `${buildDir}/sync-server.js`,
	worker: `${buildDir}/worker.js`
};
if (!(role in entries)) {
	console.error(`Unknown process "${role}": use one of ${Object.keys(entries).join(', ')}`);
	process.exit(2);
}

const stampFile = `${buildDir}/.fingerprint`;
const upToDate = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === fingerprint();
if (!upToDate && process.env.HH_SKIP_BUILD !== '1') {
	console.log('Building Hiring Hare (sources changed since the last build)…');
	const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
	if (result.status !== 0) process.exit(result.status ?? 1);
}

process.argv = [process.argv[0], path.resolve(entries[role]), role];
await import(pathToFileURL(path.resolve(entries[role])).href);
