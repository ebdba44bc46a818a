import { sql } from 'drizzle-orm';
import {
	boolean,
	index,
	inet,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	text,
	timestamp,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';
import { ROLES } from '../../../roles';
import { createdAt, deletedAt, id, updatedAt } from './columns';

export const userRole = pgEnum('user_role', ROLES);

export const users = pgTable(
	'users',
	{
		id: id(),
		email: text('email').notNull(),
		name: text('name').notNull(),
		passwordHash: text('password_hash').notNull(),
		role: userRole('role').notNull(),
		isActive: boolean('is_active').notNull().default(true),
		/** Bumped on every change; clients send it back for optimistic locking. */
		version: integer('version').notNull().default(1),
		/** Per notification kind: false turns that kind's e-mail off. */
		emailPreferences: jsonb('email_preferences').$type<Record<string, boolean>>().notNull().default({}),
		lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
		passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
		deletedAt: deletedAt()
	},
	(t) => [
		// e-mails are stored lower-cased; one live account per address
		uniqueIndex('users_email_unique')
			.on(t.email)
			.where(sql`${t.deletedAt} is null`),
		index('users_role_idx').on(t.role)
	]
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

export const sessions = pgTable(
	'sessions',
	{
		/** SHA-256 of the session token, hex. The token itself is never stored. */
		id: text('id').primaryKey(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		ip: inet('ip'),
		userAgent: text('user_agent'),
		createdAt: createdAt()
	},
	(t) => [index('sessions_user_idx').on(t.userId)]
);

export type Session = typeof sessions.$inferSelect;

export const loginAttempts = pgTable(
	'login_attempts',
	{
		id: id(),
		email: text('email').notNull(),
		ip: text('ip').notNull(),
		succeeded: boolean('succeeded').notNull(),
		createdAt: createdAt()
	},
	(t) => [
		index('login_attempts_email_idx').on(t.email, t.createdAt),
		index('login_attempts_ip_idx').on(t.ip, t.createdAt)
	]
);
