import { dev } from '$app/environment';

/**
 * The page side of the service worker (`src/service-worker.ts`) and of the connection status.
 * Browser only: `startOffline(userId)` from the app shell, once per page.
 */
class OfflineState {
	/** The browser has a network (navigator.onLine and its online/offline events). */
	network = $state(true);
	/** The last request to the server failed for want of a connection (reported by the worker). */
	unreachable = $state(false);
	/** A new version is installed and waits for the user to reload. */
	updateReady = $state(false);

	get online(): boolean {
		return this.network && !this.unreachable;
	}
}

export const offline = new OfflineState();

let waiting: ServiceWorker | null = null;
let reloading = false;

function watchInstalling(registration: ServiceWorkerRegistration, worker: ServiceWorker | null) {
	if (!worker) return;
	worker.addEventListener('statechange', () => {
		// Installed while an older version controls the page: it waits for the user.
		if (worker.state === 'installed' && navigator.serviceWorker.controller) {
			waiting = registration.waiting ?? worker;
			offline.updateReady = true;
		}
	});
}

async function register(userId: string): Promise<void> {
	const container = navigator.serviceWorker;
	const registration = await container.register('/service-worker.js', { type: dev ? 'module' : 'classic' });
	if (registration.waiting && container.controller) {
		waiting = registration.waiting;
		offline.updateReady = true;
	}
	watchInstalling(registration, registration.installing);
	registration.addEventListener('updatefound', () => watchInstalling(registration, registration.installing));
	// Whose pages the worker may keep (another user's are dropped), and the page the user is on.
	const tell = (worker: ServiceWorker | null | undefined) =>
		worker?.postMessage({ type: 'user', id: userId, url: location.pathname + location.search });
	container.addEventListener('controllerchange', () => tell(container.controller));
	tell((await container.ready).active);
}

/**
 * Installs the new version: the waiting worker takes over and the page reloads once. The live
 * documents are in IndexedDB (every change is stored as it is made), so nothing unsynced is lost.
 */
export function applyUpdate(): void {
	if (!waiting) {
		location.reload();
		return;
	}
	waiting.postMessage({ type: 'skip-waiting' });
}

let started = false;

/** Registers the worker and follows the connection. Returns the clean-up. */
export function startOffline(userId: string): () => void {
	const onOnline = () => {
		offline.network = true;
		offline.unreachable = false;
	};
	const onOffline = () => (offline.network = false);
	const onMessage = (event: MessageEvent) => {
		const data: unknown = event.data;
		if (data && typeof data === 'object' && 'type' in data && data.type === 'network' && 'reachable' in data) {
			offline.unreachable = data.reachable !== true;
		}
	};
	const onControllerChange = () => {
		// Only after the user asked for the new version (not on the very first install).
		if (waiting && !reloading) {
			reloading = true;
			location.reload();
		}
	};
	// After a failed request, look again now and then (the events only follow the network card).
	const probe = setInterval(() => {
		if (!offline.unreachable || !offline.network) return;
		fetch('/health', { cache: 'no-store' })
			.then(() => (offline.unreachable = false))
			.catch(() => {});
	}, 15_000);
	offline.network = navigator.onLine;
	addEventListener('online', onOnline);
	addEventListener('offline', onOffline);
	if ('serviceWorker' in navigator) {
		navigator.serviceWorker.addEventListener('message', onMessage);
		navigator.serviceWorker.addEventListener('controllerchange', onControllerChange);
		if (!started) {
			started = true;
			register(userId).catch(() => {
				// No worker (private mode, an insecure origin): the app works online only.
			});
		}
	}
	return () => {
		clearInterval(probe);
		removeEventListener('online', onOnline);
		removeEventListener('offline', onOffline);
		if ('serviceWorker' in navigator) {
			navigator.serviceWorker.removeEventListener('message', onMessage);
			navigator.serviceWorker.removeEventListener('controllerchange', onControllerChange);
		}
	};
}
