import { and, eq, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { Conflict, NotFound } from '../errors';
import type { Executor } from './client';

interface Versioned {
	id: PgColumn;
	version: PgColumn;
}

/** Columns that never leave the server, not even in a conflict answer. */
const INTERNAL_COLUMNS = ['searchVector', 'linkNonce', 'cvText'];

function withoutInternals(row: object): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(row)) if (!INTERNAL_COLUMNS.includes(key)) out[key] = value;
	return out;
}

export interface LockOptions<Row> {
	/**
	 * Decides whether the caller may change this row, before the version is compared: the
	 * conflict answer carries the current record, which only someone allowed to change it may see.
	 */
	authorize?: (row: Row) => void | Promise<void>;
}

/**
 * Optimistic locking: reads the row for update and checks the version the client based its
 * change on. A stale version → 409 VERSION_CONFLICT carrying the current record (without its
 * internal columns), so the client can merge or show the conflict. Returns the current row
 * (locked until the transaction ends).
 */
export async function lockForUpdate<T extends PgTable & Versioned>(
	tx: Executor,
	table: T,
	id: string,
	expectedVersion: number | undefined,
	what: string,
	extraWhere?: SQL,
	options: LockOptions<T['$inferSelect']> = {}
): Promise<T['$inferSelect']> {
	const rows = (await tx
		.select()
		.from(table as PgTable)
		.where(extraWhere ? and(eq(table.id, id), extraWhere) : eq(table.id, id))
		.for('update')) as T['$inferSelect'][];
	const current = rows[0];
	if (!current) throw new NotFound(what);
	await options.authorize?.(current);
	checkVersion(current as { version: number }, expectedVersion, what);
	return current;
}

/**
 * The optimistic-lock check of `lockForUpdate`, for callers that lock a row with a query of
 * their own: a stale version → 409 VERSION_CONFLICT carrying the current record.
 */
export function checkVersion(current: { version: number }, expectedVersion: number | undefined, what: string): void {
	const version = current.version;
	if (expectedVersion !== undefined && version !== expectedVersion) {
		throw new Conflict(
			`This ${what.toLowerCase()} was changed by someone else (you edited version ${expectedVersion}, it is now at ${version})`,
			'VERSION_CONFLICT',
			withoutInternals(current)
		);
	}
}
