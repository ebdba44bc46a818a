import { integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';
import { users } from './users';

/**
 * Responses of writes made with an `Idempotency-Key` header, so that a replayed request
 * (an offline outbox retry) returns the stored answer and changes nothing.
 */
export const idempotencyKeys = pgTable(
	'idempotency_keys',
	{
		key: text('key').notNull(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		method: text('method').notNull(),
		path: text('path').notNull(),
		/** SHA-256 of the request body: the same key with another body is refused. */
		requestHash: text('request_hash').notNull(),
		/** Null while the first request is still being processed. */
		statusCode: integer('status_code'),
		responseBody: jsonb('response_body').$type<unknown>(),
		createdAt: createdAt(),
		completedAt: timestamp('completed_at', { withTimezone: true })
	},
	(t) => [primaryKey({ columns: [t.userId, t.key] })]
);
