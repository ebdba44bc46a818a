import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { bytea, createdAt, updatedAt } from './columns';

/** Compacted Yjs state of each live document, keyed by its document name. */
export const documents = pgTable('documents', {
	name: text('name').primaryKey(),
	state: bytea('state').notNull(),
	/** Byte length of `state`, kept for the size cap and metrics. */
	size: integer('size').notNull(),
	createdAt: createdAt(),
	updatedAt: updatedAt()
});

export type StoredDocument = typeof documents.$inferSelect;
