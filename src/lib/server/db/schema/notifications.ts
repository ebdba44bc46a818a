import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns';
import { users } from './users';

/** In-app notifications (the bell); e-mail copies go through the job spine. */
export const notifications = pgTable(
	'notifications',
	{
		id: id(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		kind: text('kind').notNull(),
		title: text('title').notNull(),
		body: text('body').notNull(),
		/** Path inside the app, e.g. /requirements/<id>. */
		link: text('link'),
		subjectType: text('subject_type'),
		subjectId: uuid('subject_id'),
		readAt: timestamp('read_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [index('notifications_user_idx').on(t.userId, t.readAt, t.createdAt)]
);

export type Notification = typeof notifications.$inferSelect;
