import type { Database, Transaction } from './client';

/** Work to do only once the transaction has committed (publish events, dispatch jobs). */
export type AfterCommit = (callback: () => Promise<void> | void) => void;

/**
 * Runs `work` in one transaction; callbacks registered with `afterCommit` run after COMMIT,
 * never after a rollback. A failing callback is logged by its owner, not rethrown: the change
 * itself has already happened.
 */
export async function inTransaction<T>(
	db: Database,
	work: (tx: Transaction, afterCommit: AfterCommit) => Promise<T>,
	onCallbackError: (err: unknown) => void = () => {}
): Promise<T> {
	const callbacks: Array<() => Promise<void> | void> = [];
	const result = await db.transaction((tx) => work(tx, (cb) => callbacks.push(cb)));
	for (const callback of callbacks) {
		try {
			await callback();
		} catch (err) {
			onCallbackError(err);
		}
	}
	return result;
}
