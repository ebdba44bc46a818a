import { and, count, desc, eq, gte, lte, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { can } from '../../permissions';
import { subjectOf, type Actor } from '../actor';
import type { Executor } from '../db/client';
import { auditLog, users, type AuditRow } from '../db/schema';
import { Forbidden } from '../errors';
import type { Page } from '../http/envelope';

export const auditQuery = z.object({
	page: z.coerce.number().int().min(1).default(1),
	page_size: z.coerce.number().int().min(1).max(200).default(50),
	entity_type: z.string().trim().min(1).max(100).optional(),
	entity_id: z.string().trim().min(1).max(200).optional(),
	actor_id: z.string().uuid().optional(),
	action: z.string().trim().min(1).max(100).optional(),
	from: z.coerce.date().optional(),
	to: z.coerce.date().optional()
});
export type AuditQuery = z.infer<typeof auditQuery>;

export type AuditEntry = AuditRow & { actorName: string | null };

/** Lists audit rows, newest first, filtered by entity, actor, action and time (admins only). */
export async function listAuditLogs(db: Executor, actor: Actor, q: AuditQuery): Promise<Page<AuditEntry>> {
	if (!can(subjectOf(actor), 'list', 'audit_log')) throw new Forbidden('Only admins read the audit log');
	const conditions: SQL[] = [];
	if (q.entity_type) conditions.push(eq(auditLog.entityType, q.entity_type));
	if (q.entity_id) conditions.push(eq(auditLog.entityId, q.entity_id));
	if (q.actor_id) conditions.push(eq(auditLog.actorId, q.actor_id));
	if (q.action) conditions.push(eq(auditLog.action, q.action));
	if (q.from) conditions.push(gte(auditLog.createdAt, q.from));
	if (q.to) conditions.push(lte(auditLog.createdAt, q.to));
	const where = conditions.length ? and(...conditions) : undefined;
	const [{ total }] = await db.select({ total: count() }).from(auditLog).where(where);
	const rows = await db
		.select({ row: auditLog, actorName: users.name })
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(where)
		.orderBy(desc(auditLog.createdAt), desc(auditLog.id))
		.limit(q.page_size)
		.offset((q.page - 1) * q.page_size);
	return {
		items: rows.map((r) => ({ ...r.row, actorName: r.actorName })),
		total,
		page: q.page,
		pageSize: q.page_size
	};
}
