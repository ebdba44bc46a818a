import { and, asc, count, eq, isNull, ne, sql } from 'drizzle-orm';
import { can } from '../../permissions';
import type { DepartmentInput, DepartmentUpdateInput, JobLevelInput, JobLevelUpdateInput } from '../../schemas/org';
import { subjectOf, type Actor } from '../actor';
import { auditSnapshot, recordAudit } from '../audit/audit';
import { selectRows, type Executor } from '../db/client';
import { alias } from 'drizzle-orm/pg-core';
import { lockForUpdate } from '../db/locking';
import { inTransaction } from '../db/transaction';
import { departments, jobLevels, requirements, users, type Department, type JobLevel } from '../db/schema';
import { Conflict, Forbidden, ValidationFailed } from '../errors';
import type { Runtime } from '../runtime';

function requireAdmin(actor: Actor, action: 'create' | 'update' | 'delete', resource: 'department' | 'job_level') {
	if (!can(subjectOf(actor), action, resource)) throw new Forbidden('Only admins manage departments and job levels');
}

export type DepartmentView = Department & { headName: string | null; parentName: string | null };

/** All live departments with their head's and parent's names, ordered by name (a flat tree). */
export async function listDepartments(rt: Runtime, actor: Actor): Promise<DepartmentView[]> {
	if (!can(subjectOf(actor), 'list', 'department')) throw new Forbidden();
	const parent = alias(departments, 'parent');
	const rows = await rt.db
		.select({ d: departments, headName: users.name, parentName: parent.name })
		.from(departments)
		.leftJoin(users, eq(users.id, departments.headUserId))
		.leftJoin(parent, eq(parent.id, departments.parentId))
		.where(isNull(departments.deletedAt))
		.orderBy(asc(departments.name));
	return rows.map((r) => ({ ...r.d, headName: r.headName, parentName: r.parentName }));
}

async function assertUserExists(tx: Executor, id: string | null | undefined, field: string) {
	if (!id) return;
	const [row] = await tx
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.id, id), isNull(users.deletedAt)));
	if (!row) throw new ValidationFailed([{ field, message: 'No such user' }]);
}

/** Refuses a parent that does not exist or that would make the tree a cycle. */
async function assertValidParent(tx: Executor, parentId: string | null | undefined, selfId?: string) {
	if (!parentId) return;
	if (parentId === selfId)
		throw new ValidationFailed([{ field: 'parent_id', message: 'A department cannot be its own parent' }]);
	let current: string | null = parentId;
	const seen = new Set<string>();
	while (current) {
		if (current === selfId) {
			throw new ValidationFailed([{ field: 'parent_id', message: 'That parent is inside this department (a cycle)' }]);
		}
		if (seen.has(current)) break;
		seen.add(current);
		const [row] = await tx
			.select({ parentId: departments.parentId })
			.from(departments)
			.where(and(eq(departments.id, current), isNull(departments.deletedAt)));
		if (!row) {
			if (current === parentId) throw new ValidationFailed([{ field: 'parent_id', message: 'No such department' }]);
			break;
		}
		current = row.parentId;
	}
}

/** Creates a department (admins). */
export async function createDepartment(rt: Runtime, actor: Actor, input: DepartmentInput): Promise<Department> {
	requireAdmin(actor, 'create', 'department');
	return inTransaction(rt.db, async (tx) => {
		await assertValidParent(tx, input.parent_id);
		await assertUserExists(tx, input.head_user_id, 'head_user_id');
		const [row] = await tx
			.insert(departments)
			.values({
				name: input.name,
				code: input.code ?? null,
				parentId: input.parent_id ?? null,
				headUserId: input.head_user_id ?? null
			})
			.returning();
		await recordAudit(tx, actor, {
			action: 'department.created',
			entityType: 'department',
			entityId: row.id,
			after: auditSnapshot(row)
		});
		return row;
	});
}

/** Changes a department (admins), with optimistic locking. */
export async function updateDepartment(
	rt: Runtime,
	actor: Actor,
	id: string,
	input: DepartmentUpdateInput
): Promise<Department> {
	requireAdmin(actor, 'update', 'department');
	return inTransaction(rt.db, async (tx) => {
		const before = await lockForUpdate(tx, departments, id, input.version, 'Department', isNull(departments.deletedAt));
		if (input.parent_id !== undefined) await assertValidParent(tx, input.parent_id, id);
		if (input.head_user_id !== undefined) await assertUserExists(tx, input.head_user_id, 'head_user_id');
		const [after] = await tx
			.update(departments)
			.set({
				...(input.name !== undefined ? { name: input.name } : {}),
				...(input.code !== undefined ? { code: input.code } : {}),
				...(input.parent_id !== undefined ? { parentId: input.parent_id } : {}),
				...(input.head_user_id !== undefined ? { headUserId: input.head_user_id } : {}),
				version: before.version + 1
			})
			.where(eq(departments.id, id))
			.returning();
		await recordAudit(tx, actor, {
			action: 'department.updated',
			entityType: 'department',
			entityId: id,
			before: auditSnapshot(before),
			after: auditSnapshot(after)
		});
		return after;
	});
}

/** Soft-deletes a department that has no live sub-departments and no requirements. */
export async function deleteDepartment(rt: Runtime, actor: Actor, id: string, version?: number): Promise<void> {
	requireAdmin(actor, 'delete', 'department');
	await inTransaction(rt.db, async (tx) => {
		const before = await lockForUpdate(tx, departments, id, version, 'Department', isNull(departments.deletedAt));
		const [children] = await tx
			.select({ n: count() })
			.from(departments)
			.where(and(eq(departments.parentId, id), isNull(departments.deletedAt)));
		if (children.n > 0) throw new Conflict('Move or delete its sub-departments first', 'DEPARTMENT_IN_USE');
		const [used] = await tx
			.select({ n: count() })
			.from(requirements)
			.where(and(eq(requirements.departmentId, id), isNull(requirements.deletedAt)));
		if (used.n > 0) throw new Conflict(`${used.n} requirement(s) belong to this department`, 'DEPARTMENT_IN_USE');
		await tx
			.update(departments)
			.set({ deletedAt: new Date(), version: before.version + 1 })
			.where(eq(departments.id, id));
		await recordAudit(tx, actor, {
			action: 'department.deleted',
			entityType: 'department',
			entityId: id,
			before: auditSnapshot(before)
		});
	});
}

/** Ids of a department and all departments under it. */
export async function departmentAndDescendants(db: Executor, id: string): Promise<string[]> {
	const rows = await selectRows<{ id: string }>(
		db,
		sql`with recursive tree as (
			select id from departments where id = ${id} and deleted_at is null
			union all
			select d.id from departments d join tree t on d.parent_id = t.id where d.deleted_at is null
		) select id from tree`
	);
	return rows.map((r) => r.id);
}

/** Ids of a department and all its ancestors, nearest first. */
export async function departmentAncestry(db: Executor, id: string): Promise<string[]> {
	const chain: string[] = [];
	let current: string | null = id;
	while (current && !chain.includes(current)) {
		chain.push(current);
		const [row] = await db
			.select({ parentId: departments.parentId })
			.from(departments)
			.where(eq(departments.id, current));
		current = row?.parentId ?? null;
	}
	return chain;
}

/** Job levels by rank. */
export async function listJobLevels(rt: Runtime, actor: Actor): Promise<JobLevel[]> {
	if (!can(subjectOf(actor), 'list', 'job_level')) throw new Forbidden();
	return rt.db
		.select()
		.from(jobLevels)
		.where(isNull(jobLevels.deletedAt))
		.orderBy(asc(jobLevels.rank), asc(jobLevels.name));
}

/** Creates a job level (admins). */
export async function createJobLevel(rt: Runtime, actor: Actor, input: JobLevelInput): Promise<JobLevel> {
	requireAdmin(actor, 'create', 'job_level');
	return inTransaction(rt.db, async (tx) => {
		const [clash] = await tx
			.select({ id: jobLevels.id })
			.from(jobLevels)
			.where(and(sql`lower(${jobLevels.name}) = lower(${input.name})`, isNull(jobLevels.deletedAt)));
		if (clash)
			throw new Conflict('A job level with this name exists', 'NAME_TAKEN', undefined, [
				{ field: 'name', message: 'Already used' }
			]);
		const [row] = await tx
			.insert(jobLevels)
			.values({
				name: input.name,
				rank: input.rank,
				salaryMin: input.salary_min ?? null,
				salaryMax: input.salary_max ?? null,
				currency: input.currency ?? null
			})
			.returning();
		await recordAudit(tx, actor, {
			action: 'job_level.created',
			entityType: 'job_level',
			entityId: row.id,
			after: auditSnapshot(row)
		});
		return row;
	});
}

/** Changes a job level (admins), with optimistic locking. */
export async function updateJobLevel(
	rt: Runtime,
	actor: Actor,
	id: string,
	input: JobLevelUpdateInput
): Promise<JobLevel> {
	requireAdmin(actor, 'update', 'job_level');
	return inTransaction(rt.db, async (tx) => {
		const before = await lockForUpdate(tx, jobLevels, id, input.version, 'Job level', isNull(jobLevels.deletedAt));
		const next = {
			name: input.name ?? before.name,
			rank: input.rank ?? before.rank,
			salaryMin: input.salary_min !== undefined ? input.salary_min : before.salaryMin,
			salaryMax: input.salary_max !== undefined ? input.salary_max : before.salaryMax,
			currency: input.currency !== undefined ? input.currency : before.currency
		};
		if (next.salaryMin != null && next.salaryMax != null && next.salaryMin > next.salaryMax) {
			throw new ValidationFailed([{ field: 'salary_max', message: 'The band maximum must be at least the minimum' }]);
		}
		if ((next.salaryMin != null || next.salaryMax != null) && !next.currency) {
			throw new ValidationFailed([{ field: 'currency', message: 'A salary band needs a currency' }]);
		}
		if (input.name) {
			const [clash] = await tx
				.select({ id: jobLevels.id })
				.from(jobLevels)
				.where(
					and(sql`lower(${jobLevels.name}) = lower(${input.name})`, ne(jobLevels.id, id), isNull(jobLevels.deletedAt))
				);
			if (clash)
				throw new Conflict('A job level with this name exists', 'NAME_TAKEN', undefined, [
					{ field: 'name', message: 'Already used' }
				]);
		}
		const [after] = await tx
			.update(jobLevels)
			.set({ ...next, version: before.version + 1 })
			.where(eq(jobLevels.id, id))
			.returning();
		await recordAudit(tx, actor, {
			action: 'job_level.updated',
			entityType: 'job_level',
			entityId: id,
			before: auditSnapshot(before),
			after: auditSnapshot(after)
		});
		return after;
	});
}

/** Soft-deletes a job level no requirement uses. */
export async function deleteJobLevel(rt: Runtime, actor: Actor, id: string, version?: number): Promise<void> {
	requireAdmin(actor, 'delete', 'job_level');
	await inTransaction(rt.db, async (tx) => {
		const before = await lockForUpdate(tx, jobLevels, id, version, 'Job level', isNull(jobLevels.deletedAt));
		const [used] = await tx
			.select({ n: count() })
			.from(requirements)
			.where(and(eq(requirements.jobLevelId, id), isNull(requirements.deletedAt)));
		if (used.n > 0) throw new Conflict(`${used.n} requirement(s) use this level`, 'JOB_LEVEL_IN_USE');
		await tx
			.update(jobLevels)
			.set({ deletedAt: new Date(), version: before.version + 1 })
			.where(eq(jobLevels.id, id));
		await recordAudit(tx, actor, {
			action: 'job_level.deleted',
			entityType: 'job_level',
			entityId: id,
			before: auditSnapshot(before)
		});
	});
}
