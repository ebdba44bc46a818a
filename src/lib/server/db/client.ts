import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import * as schema from './schema';

export type Schema = typeof schema;

/** The drizzle database, whichever driver is underneath (pg pool or PGlite). */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything queries can run on: the database or an open transaction. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
	db: Database;
	kind: 'postgres' | 'pglite';
	/** Runs raw SQL and returns its rows (for health checks, triggers, maintenance). */
	rows(query: SQL | string): Promise<Record<string, unknown>[]>;
	close(): Promise<void>;
}

export interface DatabaseOptions {
	/** postgres://… — uses a `pg` pool. Without it, PGlite stores data in `pgliteDir`. */
	url?: string;
	/** Folder for PGlite; `memory://` keeps it in memory (tests). */
	pgliteDir?: string;
	/** Start PGlite from this dump instead of an empty folder (tests). */
	pgliteLoadDataDir?: Blob;
	poolSize?: number;
}

/** Opens the database chosen by the options; callers cannot tell which driver they got. */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
	if (options.url) return openPostgres(options.url, options.poolSize ?? 10);
	return openPglite(options.pgliteDir ?? 'memory://', options.pgliteLoadDataDir);
}

async function openPostgres(url: string, poolSize: number): Promise<DatabaseHandle> {
	const { default: pg } = await import('pg');
	const { drizzle } = await import('drizzle-orm/node-postgres');
	const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000 });
	// A broken idle connection must not crash the process; the pool replaces it.
	pool.on('error', () => {});
	const db = drizzle(pool, { schema, casing: 'snake_case' });
	return {
		db,
		kind: 'postgres',
		async rows(query) {
			if (typeof query === 'string') return (await pool.query(query)).rows;
			const result = await db.execute(query);
			return result.rows;
		},
		async close() {
			await pool.end();
		}
	};
}

const BYTEA_OID = 17;

/** Postgres' hex output for bytea (a backslash, `x`, then two hex digits a byte) → bytes. */
function parseByteaHex(value: string): Uint8Array | string {
	if (!value.startsWith('\\x')) return value; // escape format: left to the column's own decoder
	const bytes = Buffer.from(value.slice(2), 'hex');
	return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function serializeByteaHex(value: unknown): string {
	if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
	return '\\x' + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
}

async function openPglite(dir: string, loadDataDir?: Blob): Promise<DatabaseHandle> {
	const { PGlite } = await import('@electric-sql/pglite');
	const { drizzle } = await import('drizzle-orm/pglite');
	if (!dir.startsWith('memory://')) mkdirSync(path.resolve(dir), { recursive: true });
	const client = await PGlite.create(dir.startsWith('memory://') ? undefined : path.resolve(dir), {
		loadDataDir,
		// PGlite's own bytea codec goes byte by byte through strings: ≈50 ms to read and ≈100 ms
		// to write a 240 KB Yjs state, blocking the event loop; Buffer's hex codec is ~20× faster.
		parsers: { [BYTEA_OID]: parseByteaHex },
		serializers: { [BYTEA_OID]: serializeByteaHex }
	});
	const db = drizzle(client, { schema, casing: 'snake_case' });
	return {
		db,
		kind: 'pglite',
		async rows(query) {
			if (typeof query === 'string') return (await client.query<Record<string, unknown>>(query)).rows;
			const result = await db.execute(query);
			return result.rows;
		},
		async close() {
			if (!client.closed) await client.close();
		}
	};
}

/**
 * Runs raw SQL on the database or a transaction and returns its rows. Both drivers answer with
 * `{ rows }`; the row type is the caller's promise about its own SELECT list.
 */
export async function selectRows<T extends Record<string, unknown>>(db: Executor, query: SQL): Promise<T[]> {
	const result: unknown = await db.execute(query);
	if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows)) return result.rows as T[];
	throw new Error('Unexpected result shape from the database driver');
}
