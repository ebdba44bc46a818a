import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export const COLLAB_PATH = '/collab';

// Upgraded sockets (WebSockets) per server: `server.close()` waits for them too, but their owner
// (the sync server) closes them itself, after the HTTP side has stopped.
const upgradedSockets = new WeakMap<Server, Set<Duplex>>();

/** Sends upgrades for /collab to `onCollab`; refuses any other upgrade. */
export function routeUpgrades(server: Server, onCollab: (req: IncomingMessage, socket: Duplex, head: Buffer) => void) {
	const upgraded = new Set<Duplex>();
	upgradedSockets.set(server, upgraded);
	server.on('upgrade', (request, socket, head) => {
		const path = (request.url ?? '').split('?')[0];
		if (path === COLLAB_PATH || path.startsWith(COLLAB_PATH + '/')) {
			upgraded.add(socket);
			socket.once('close', () => upgraded.delete(socket));
			onCollab(request, socket, head);
			return;
		}
		socket.write('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
		socket.destroy();
	});
}

/**
 * Stops on SIGTERM/SIGINT: stop accepting, run `close` (which stores every live document and
 * finishes jobs in hand), then exit. A second signal exits at once.
 */
export function onShutdown(close: () => Promise<void>, log: (msg: string) => void = (m) => console.log(m)) {
	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) {
			log(`${signal} again: exiting now`);
			process.exit(1);
		}
		stopping = true;
		log(`${signal}: shutting down`);
		close()
			.then(() => process.exit(0))
			.catch((err: unknown) => {
				console.error(err);
				process.exit(1);
			});
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));
}

/**
 * Stops accepting connections and waits for the HTTP requests in progress (at most 3 s), ending
 * idle keep-alive connections so it does not hang. Open WebSockets are left to their owner:
 * the sync server stores their documents and closes them next.
 */
export function closeHttpServer(server: Server): Promise<void> {
	const upgraded = upgradedSockets.get(server) ?? new Set<Duplex>();
	return new Promise((resolve) => {
		let done = false;
		const finish = () => {
			if (done) return;
			done = true;
			clearInterval(poll);
			clearTimeout(timeout);
			resolve();
		};
		server.close(() => finish());
		server.closeIdleConnections();
		const poll = setInterval(() => {
			server.getConnections((err, count) => {
				if (!err && count <= upgraded.size) finish();
			});
		}, 20);
		const timeout = setTimeout(() => {
			server.closeAllConnections();
			finish();
		}, 3000);
	});
}
