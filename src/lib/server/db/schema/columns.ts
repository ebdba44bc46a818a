import { customType, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Binary column (Postgres `bytea`), read and written as a Uint8Array. */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array | Buffer | string }>({
	dataType() {
		return 'bytea';
	},
	toDriver(value) {
		return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
	},
	fromDriver(value) {
		if (typeof value === 'string') {
			// text form `\x0a0b…` (only if a driver hands back unparsed bytea)
			return Uint8Array.from(Buffer.from(value.startsWith('\\x') ? value.slice(2) : value, 'hex'));
		}
		return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
	}
});

export const id = () => uuid('id').primaryKey().defaultRandom();

export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const updatedAt = () =>
	timestamp('updated_at', { withTimezone: true })
		.notNull()
		.defaultNow()
		.$onUpdate(() => new Date());

export const deletedAt = () => timestamp('deleted_at', { withTimezone: true });

/** Postgres full-text search vector; maintained by the database (a generated column). */
export const tsvector = customType<{ data: string }>({
	dataType() {
		return 'tsvector';
	}
});
