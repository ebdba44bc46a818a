/**
 * Opening a page's live document before the page exists. A page's load function (in the browser)
 * calls {@link openEarly}; the WebSocket then connects, authenticates and syncs while the page is
 * still being hydrated — on a 500-card board that is a few hundred milliseconds of rendering the
 * connection no longer waits for. The page takes the document over with {@link claimDocument} when
 * it mounts; one nobody claims (the navigation went elsewhere) is closed after a while.
 *
 * The provider is imported statically (the page's load opens the document synchronously): with
 * a dynamic import still loading, the connection would start only after the page has hydrated.
 */
import { openDocument, type DocumentHandlers, type OpenedDocument } from './provider';

/** An early document nobody claimed within this time is closed. */
export const UNCLAIMED_MS = 10_000;

const early = new Map<string, { opened: OpenedDocument; timer: ReturnType<typeof setTimeout> }>();
/** Documents a page holds (a load that runs again while its page is shown opens nothing more). */
const held = new Map<string, number>();

/**
 * Starts opening `name` with the offline copy of `userId` (the page's load knows the user before
 * the page's data exists). Does nothing (and answers false) when it is already open early or held
 * by a page.
 */
export function openEarly(name: string, userId: string | null): boolean {
	if (typeof window === 'undefined' || early.has(name) || held.has(name)) return false;
	const opened = openDocument(name, {}, { offlineUserId: userId });
	const timer = setTimeout(() => {
		if (early.get(name)?.opened !== opened) return;
		early.delete(name);
		opened.destroy();
	}, UNCLAIMED_MS);
	early.set(name, { opened, timer });
	return true;
}

/**
 * The document `name` for a page that shows it: the one opened early, now with these handlers, or
 * a new one. `release` closes it (the page's cleanup).
 */
export function claimDocument(name: string, handlers: DocumentHandlers): { opened: OpenedDocument; release(): void } {
	const waiting = early.get(name);
	early.delete(name);
	let opened: OpenedDocument;
	if (waiting) {
		clearTimeout(waiting.timer);
		opened = waiting.opened;
		opened.handle(handlers);
	} else {
		opened = openDocument(name, handlers);
	}
	held.set(name, (held.get(name) ?? 0) + 1);
	let released = false;
	return {
		opened,
		release() {
			if (released) return;
			released = true;
			const count = (held.get(name) ?? 1) - 1;
			if (count > 0) held.set(name, count);
			else held.delete(name);
			opened.destroy();
		}
	};
}
