import { and, asc, eq, inArray } from 'drizzle-orm';
import { can } from '../../permissions';
import { subjectOf, type Actor } from '../actor';
import { approvals, auditLog, comments, requirements, users } from '../db/schema';
import { Forbidden, NotFound } from '../errors';
import type { Runtime } from '../runtime';
import { assertSeesRequirement } from './visibility';

export interface FieldChange {
	field: string;
	from: unknown;
	to: unknown;
}

export interface HistoryEntry {
	at: Date;
	actorId: string | null;
	actorName: string | null;
	onBehalfOfName: string | null;
	action: string;
	changes: FieldChange[];
}

const HIDDEN_FIELDS = new Set(['version', 'updatedAt', 'searchVector', 'descriptionHtml']);

function camelToSnake(key: string) {
	return key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

async function assertReadable(rt: Runtime, actor: Actor, id: string) {
	if (!can(subjectOf(actor), 'read', 'requirement')) throw new Forbidden();
	const [row] = await rt.db
		.select({
			id: requirements.id,
			departmentId: requirements.departmentId,
			hiringManagerId: requirements.hiringManagerId,
			createdBy: requirements.createdBy
		})
		.from(requirements)
		.where(eq(requirements.id, id));
	if (!row) throw new NotFound('Requirement');
	await assertSeesRequirement(rt.db, actor, row);
}

/** Every field change of a requirement — who, when, from what to what — from the audit log. */
export async function requirementHistory(rt: Runtime, actor: Actor, id: string): Promise<HistoryEntry[]> {
	await assertReadable(rt, actor, id);
	const behalf = users;
	const rows = await rt.db
		.select({ row: auditLog, actorName: users.name })
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(and(eq(auditLog.entityType, 'requirement'), eq(auditLog.entityId, id)))
		.orderBy(asc(auditLog.createdAt), asc(auditLog.id));
	const behalfIds = [...new Set(rows.map((r) => r.row.onBehalfOfId).filter((x): x is string => !!x))];
	const behalfNames = behalfIds.length
		? new Map(
				(
					await rt.db.select({ id: behalf.id, name: behalf.name }).from(behalf).where(inArray(behalf.id, behalfIds))
				).map((u) => [u.id, u.name])
			)
		: new Map<string, string>();
	return rows.map(({ row, actorName }) => {
		const before = row.before ?? {};
		const after = row.after ?? {};
		const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
		const changes: FieldChange[] = [];
		for (const field of fields) {
			if (HIDDEN_FIELDS.has(field)) continue;
			const from = before[field] ?? null;
			const to = after[field] ?? null;
			if (row.action !== 'requirement.created' && JSON.stringify(from) === JSON.stringify(to)) continue;
			if (row.action === 'requirement.created' && to === null) continue;
			changes.push({ field: camelToSnake(field), from: row.action === 'requirement.created' ? null : from, to });
		}
		return {
			at: row.createdAt,
			actorId: row.actorId,
			actorName,
			onBehalfOfName: row.onBehalfOfId ? (behalfNames.get(row.onBehalfOfId) ?? null) : null,
			action: row.action,
			changes
		};
	});
}

export type TimelineEntry =
	| {
			kind: 'status';
			at: Date;
			actorName: string | null;
			action: string;
			from: string | null;
			to: string | null;
			comment: string | null;
	  }
	| {
			kind: 'approval';
			at: Date;
			actorName: string | null;
			approverName: string;
			decision: string;
			step: string;
			round: number;
			comment: string | null;
			onBehalf: boolean;
	  }
	| { kind: 'comment'; at: Date; actorName: string; body: string; id: string }
	| { kind: 'event'; at: Date; actorName: string | null; action: string; detail: Record<string, unknown> | null };

const STATUS_ACTIONS = new Set([
	'requirement.created',
	'requirement.submitted',
	'requirement.approved',
	'requirement.rejected',
	'requirement.info_requested',
	'requirement.cancelled',
	'requirement.held',
	'requirement.reopened',
	'requirement.opened',
	'requirement.filled'
]);
const EVENT_ACTIONS = new Set([
	'approval.chain_reset',
	'approval.chain_started',
	'requirement.published',
	'requirement.unpublished'
]);

/** Status changes, approval decisions, comments and chain events of a requirement, in order. */
export async function requirementTimeline(rt: Runtime, actor: Actor, id: string): Promise<TimelineEntry[]> {
	await assertReadable(rt, actor, id);
	const entries: TimelineEntry[] = [];
	const audit = await rt.db
		.select({ row: auditLog, actorName: users.name })
		.from(auditLog)
		.leftJoin(users, eq(users.id, auditLog.actorId))
		.where(and(eq(auditLog.entityType, 'requirement'), eq(auditLog.entityId, id)));
	for (const { row, actorName } of audit) {
		if (STATUS_ACTIONS.has(row.action)) {
			entries.push({
				kind: 'status',
				at: row.createdAt,
				actorName,
				action: row.action.replace('requirement.', ''),
				from: (row.before?.status as string | undefined) ?? null,
				to: (row.after?.status as string | undefined) ?? (row.action === 'requirement.created' ? 'draft' : null),
				comment: (row.metadata?.comment as string | undefined) ?? null
			});
		} else if (row.action === 'requirement.updated' && row.metadata?.approvals_reset) {
			entries.push({ kind: 'event', at: row.createdAt, actorName, action: 'approvals_reset', detail: row.metadata });
		} else if (EVENT_ACTIONS.has(row.action)) {
			entries.push({ kind: 'event', at: row.createdAt, actorName, action: row.action, detail: row.metadata });
		}
	}
	const decider = users;
	const decided = await rt.db
		.select({ a: approvals, approverName: users.name })
		.from(approvals)
		.innerJoin(users, eq(users.id, approvals.approverId))
		.where(
			and(
				eq(approvals.subjectType, 'requirement'),
				eq(approvals.subjectId, id),
				inArray(approvals.status, ['approved', 'rejected', 'info_requested'])
			)
		);
	const deciderIds = [...new Set(decided.map((d) => d.a.decidedBy).filter((x): x is string => !!x))];
	const deciderNames = deciderIds.length
		? new Map(
				(
					await rt.db
						.select({ id: decider.id, name: decider.name })
						.from(decider)
						.where(inArray(decider.id, deciderIds))
				).map((u) => [u.id, u.name])
			)
		: new Map<string, string>();
	for (const { a, approverName } of decided) {
		entries.push({
			kind: 'approval',
			at: a.decidedAt ?? a.updatedAt,
			actorName: a.decidedBy ? (deciderNames.get(a.decidedBy) ?? null) : null,
			approverName,
			decision: a.status,
			step: a.stepName,
			round: a.round,
			comment: a.comment,
			onBehalf: a.onBehalf
		});
	}
	const notes = await rt.db
		.select({ c: comments, authorName: users.name })
		.from(comments)
		.innerJoin(users, eq(users.id, comments.authorId))
		.where(and(eq(comments.subjectType, 'requirement'), eq(comments.subjectId, id)));
	for (const { c, authorName } of notes)
		entries.push({ kind: 'comment', at: c.createdAt, actorName: authorName, body: c.body, id: c.id });
	return entries.sort((x, y) => x.at.getTime() - y.at.getTime());
}
