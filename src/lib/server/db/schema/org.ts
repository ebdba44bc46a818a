import { index, integer, pgTable, primaryKey, text, uuid, type AnyPgColumn, char } from 'drizzle-orm/pg-core';
import { createdAt, deletedAt, id, updatedAt } from './columns';
import { users } from './users';

export const departments = pgTable(
	'departments',
	{
		id: id(),
		name: text('name').notNull(),
		code: text('code'),
		parentId: uuid('parent_id').references((): AnyPgColumn => departments.id),
		headUserId: uuid('head_user_id').references(() => users.id),
		version: integer('version').notNull().default(1),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
		deletedAt: deletedAt()
	},
	(t) => [index('departments_parent_idx').on(t.parentId)]
);

export type Department = typeof departments.$inferSelect;
export type NewDepartment = typeof departments.$inferInsert;

export const jobLevels = pgTable('job_levels', {
	id: id(),
	name: text('name').notNull(),
	/** Higher is more senior. */
	rank: integer('rank').notNull(),
	/** Salary band in whole units of `currency`. */
	salaryMin: integer('salary_min'),
	salaryMax: integer('salary_max'),
	currency: char('currency', { length: 3 }),
	version: integer('version').notNull().default(1),
	createdAt: createdAt(),
	updatedAt: updatedAt(),
	deletedAt: deletedAt()
});

export type JobLevel = typeof jobLevels.$inferSelect;
export type NewJobLevel = typeof jobLevels.$inferInsert;

/**
 * The departments a user works for. A non-admin with at least one sees only the records of
 * those departments and the departments under them (besides what they hold directly: their own
 * requirements, their panels, their approvals); one with none sees the whole organisation.
 */
export const userDepartments = pgTable(
	'user_departments',
	{
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		departmentId: uuid('department_id')
			.notNull()
			.references(() => departments.id, { onDelete: 'cascade' }),
		createdAt: createdAt()
	},
	(t) => [
		primaryKey({ columns: [t.userId, t.departmentId] }),
		index('user_departments_department_idx').on(t.departmentId)
	]
);

export type UserDepartment = typeof userDepartments.$inferSelect;
