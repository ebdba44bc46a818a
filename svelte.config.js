import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// HH_BUILD_DIR lets several builds live side by side (parallel work); the default is build/.
const buildDir = process.env.HH_BUILD_DIR || 'build';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: {
		runes: true
	},
	kit: {
		adapter: adapter({ out: buildDir, precompress: false }),
		outDir: buildDir === 'build' ? '.svelte-kit' : `.svelte-kit-${buildDir.replace(/[^\w-]/g, '_')}`,
		alias: {
			$sync: 'sync-server',
			$worker: 'worker'
		},
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self', 'data:'],
				'connect-src': ['self', 'ws:', 'wss:'],
				'frame-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none'],
				'worker-src': ['self'],
				// The web app manifest (installable app) and the service worker (offline shell).
				'manifest-src': ['self']
			}
		},
		serviceWorker: { register: false },
		version: { pollInterval: 0 }
	}
};

export default config;
