import { auditLog, type NewAuditRow } from '../db/schema';
import type { Executor } from '../db/client';
import type { Actor } from '../actor';

export interface AuditEntry {
	action: string;
	entityType: string;
	entityId: string;
	before?: Record<string, unknown> | null;
	after?: Record<string, unknown> | null;
	metadata?: Record<string, unknown> | null;
}

/** Fields never copied into the audit log. */
const SECRET_FIELDS = new Set(['passwordHash', 'password', 'token', 'secret', 'apiKey', 'state']);

/** A copy of a record safe to keep in the audit log (no secrets, no binary). */
export function auditSnapshot(record: object | null | undefined): Record<string, unknown> | null {
	if (!record) return null;
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(record)) {
		if (SECRET_FIELDS.has(key) || value instanceof Uint8Array) continue;
		out[key] = value instanceof Date ? value.toISOString() : value;
	}
	return out;
}

/** Writes one audit row. Call it with the transaction that makes the change. */
export async function recordAudit(tx: Executor, actor: Actor, entry: AuditEntry): Promise<void> {
	await tx.insert(auditLog).values(auditRow(actor, entry));
}

/** Several audit rows in one statement (a set-based import); none if `entries` is empty. */
export async function recordAudits(tx: Executor, actor: Actor, entries: AuditEntry[]): Promise<void> {
	if (entries.length) await tx.insert(auditLog).values(entries.map((e) => auditRow(actor, e)));
}

/** The row `recordAudit` writes (for callers that fold the insert into a larger statement). */
export function auditRow(actor: Actor, entry: AuditEntry): NewAuditRow {
	return {
		actorId: actor.userId,
		onBehalfOfId: actor.onBehalfOfId ?? null,
		action: entry.action,
		entityType: entry.entityType,
		entityId: entry.entityId,
		before: entry.before ?? null,
		after: entry.after ?? null,
		metadata: entry.metadata ?? null,
		ip: actor.ip ?? null,
		userAgent: actor.userAgent?.slice(0, 500) ?? null,
		requestId: actor.requestId ?? null
	};
}
