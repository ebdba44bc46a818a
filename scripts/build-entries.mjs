// Bundles the three process entries next to the SvelteKit build (after `vite build`), in
// HH_BUILD_DIR (default build/, the same folder svelte.config.js gives adapter-node):
//   build/main.js        web + embedded all-in-one (imports build/handler.js)
//   build/sync-server.js the sync server of distributed mode
//   build/worker.js      the BullMQ worker of distributed mode
// node_modules stay external, as adapter-node does for runtime dependencies.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { fingerprint } from './fingerprint.mjs';

const buildDir = process.env.HH_BUILD_DIR || 'build';

const common = {
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	packages: 'external',
	tsconfig: 'tsconfig.json',
	sourcemap: true,
	logLevel: 'warning'
};

await build({ ...common, entryPoints: { main: 'server/main.ts' }, outdir: buildDir, external: ['./handler.js'] });
await build({
	...common,
	entryPoints: { 'sync-server': 'sync-server/main.ts', worker: 'worker/main.ts' },
	outdir: buildDir
});
writeFileSync(`${buildDir}/.fingerprint`, fingerprint());
console.log(`built ${buildDir}/main.js, ${buildDir}/sync-server.js, ${buildDir}/worker.js`);
