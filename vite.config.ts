import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * In `vite dev`, mounts the sync server on the dev server's /collab, as `server/main.ts` does in
 * production. The runtime is the one the SvelteKit `init` hook booted (same process).
 */
function collabDevServer(): Plugin {
	return {
		name: 'hiring-hare-collab-dev',
		apply: 'serve',
		configureServer(server) {
			server.httpServer?.on('upgrade', (request, socket, head) => {
				if (!(request.url ?? '').startsWith('/collab')) return;
				const rt = (
					globalThis as Record<symbol, { collab?: { handleUpgrade: (...a: unknown[]) => void } } | undefined>
				)[Symbol.for('hiring-hare.runtime')];
				if (rt?.collab) rt.collab.handleUpgrade(request, socket, head);
				else socket.destroy();
			});
		}
	};
}

export default defineConfig({
	plugins: [tailwindcss(), sveltekit(), collabDevServer()],
	environments: {
		client: {
			build: {
				rollupOptions: {
					// Small shared modules are merged into the chunks that use them rather than shipped
					// as files of their own: a page's first load fetched ~45 files, most under 3 KB, six
					// at a time over HTTP/1.1 (see BENCHMARKS.md, board open). The browser's bundle only:
					// the server's route modules must stay apart.
					output: { experimentalMinChunkSize: 20_000 }
				}
			}
		}
	},
	server: { fs: { allow: ['sync-server', 'worker'] } },
	test: {
		expect: { requireAssertions: true },
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['tests/unit/**/*.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/helpers/global-setup.ts'],
					testTimeout: 60_000,
					hookTimeout: 120_000
				}
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					include: ['tests/e2e/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/helpers/global-setup.ts'],
					testTimeout: 120_000,
					hookTimeout: 180_000,
					fileParallelism: false
				}
			}
		]
	}
});
