import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, users } from '../../src/lib/server/db/schema';
import { recordAudit } from '../../src/lib/server/audit/audit';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { BACKENDS } from '../helpers/env';
import { expectRejection } from '../helpers/errors';

describe.each(BACKENDS)('database on %s', (backend) => {
	let database: TestDatabase;

	beforeAll(async () => {
		database = await createTestDatabase(backend);
	});
	afterAll(async () => {
		await database?.close();
	});

	it('has every foundation table after migrations', async () => {
		const rows = await database.handle.rows(
			`select table_name from information_schema.tables where table_schema = 'public' order by table_name`
		);
		const names = rows.map((r) => r.table_name);
		for (const table of [
			'users',
			'sessions',
			'departments',
			'job_levels',
			'audit_log',
			'documents',
			'jobs',
			'idempotency_keys'
		]) {
			expect(names).toContain(table);
		}
	});

	it('refuses UPDATE, DELETE and TRUNCATE on the audit log (trigger)', async () => {
		const { db } = database.handle;
		await recordAudit(db, { userId: null, role: null }, { action: 'test.created', entityType: 'test', entityId: 'x1' });
		const [row] = await db
			.select()
			.from(auditLog)
			.where(sql`${auditLog.entityId} = 'x1'`);
		expect(row.action).toBe('test.created');
		await expectRejection(
			db
				.update(auditLog)
				.set({ action: 'tampered' })
				.where(sql`${auditLog.id} = ${row.id}`),
			/append-only/
		);
		await expectRejection(db.delete(auditLog).where(sql`${auditLog.id} = ${row.id}`), /append-only/);
		await expectRejection(database.handle.rows('truncate audit_log'), /append-only/);
		const [still] = await db
			.select()
			.from(auditLog)
			.where(sql`${auditLog.id} = ${row.id}`);
		expect(still.action).toBe('test.created');
	});

	it('rolls back the change and its audit row together', async () => {
		const { db } = database.handle;
		await expect(
			db.transaction(async (tx) => {
				await tx.insert(users).values({ email: 'rollback@example.com', name: 'R', passwordHash: 'x', role: 'viewer' });
				await recordAudit(
					tx,
					{ userId: null, role: null },
					{ action: 'user.created', entityType: 'user', entityId: 'r' }
				);
				throw new Error('boom');
			})
		).rejects.toThrow('boom');
		const found = await database.handle.rows(
			`select count(*)::int as n from users where email = 'rollback@example.com'`
		);
		const audits = await database.handle.rows(`select count(*)::int as n from audit_log where entity_id = 'r'`);
		expect(found[0].n).toBe(0);
		expect(audits[0].n).toBe(0);
	});
});
