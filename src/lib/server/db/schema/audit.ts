import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns';
import { users } from './users';

/**
 * Append-only record of every mutation. A trigger (see drizzle/0001_audit_log_append_only.sql)
 * refuses UPDATE, DELETE and TRUNCATE on this table.
 */
export const auditLog = pgTable(
	'audit_log',
	{
		id: id(),
		/** Null for actions of the system itself (jobs, the sync server acting on its own). */
		actorId: uuid('actor_id').references(() => users.id),
		/** Set when an admin acts on someone's behalf. */
		onBehalfOfId: uuid('on_behalf_of_id').references(() => users.id),
		action: text('action').notNull(),
		entityType: text('entity_type').notNull(),
		entityId: text('entity_id').notNull(),
		before: jsonb('before').$type<Record<string, unknown> | null>(),
		after: jsonb('after').$type<Record<string, unknown> | null>(),
		metadata: jsonb('metadata').$type<Record<string, unknown> | null>(),
		ip: text('ip'),
		userAgent: text('user_agent'),
		requestId: text('request_id'),
		createdAt: createdAt()
	},
	(t) => [
		index('audit_log_entity_idx').on(t.entityType, t.entityId, t.createdAt),
		index('audit_log_actor_idx').on(t.actorId, t.createdAt),
		index('audit_log_created_idx').on(t.createdAt)
	]
);

export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditRow = typeof auditLog.$inferInsert;
