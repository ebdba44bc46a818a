// The service worker's entry (SvelteKit builds it to /service-worker.js); the logic and its
// documentation are in src/lib/offline/worker.ts.
import { build, files, version } from '$service-worker';
import { startServiceWorker, type WorkerScope } from '../lib/offline/worker';

startServiceWorker(self as unknown as WorkerScope, { build, files, version });
