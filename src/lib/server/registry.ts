import type { Runtime } from './runtime';

// The one runtime of this process, shared between the SvelteKit bundle and the server entry
// (`server/main.ts`) that mounts the sync server on the same HTTP server. Keyed on globalThis
// because those are two separately built modules in one process.
const KEY = Symbol.for('hiring-hare.runtime');

interface Holder {
	[KEY]?: Runtime;
}

export function setRuntime(rt: Runtime | undefined): void {
	(globalThis as Holder)[KEY] = rt;
}

export function peekRuntime(): Runtime | undefined {
	return (globalThis as Holder)[KEY];
}

/** The process runtime; throws if the process has not booted (a programming error). */
export function getRuntime(): Runtime {
	const rt = peekRuntime();
	if (!rt) throw new Error('The runtime is not initialised');
	return rt;
}
