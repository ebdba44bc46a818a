import { sql } from 'drizzle-orm';
import {
	boolean,
	index,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	text,
	timestamp,
	uniqueIndex,
	uuid,
	type AnyPgColumn
} from 'drizzle-orm/pg-core';
import { CANDIDATE_SOURCES, DOCUMENT_KINDS } from '../../../domain/candidates';
import { createdAt, deletedAt, id, tsvector, updatedAt } from './columns';
import { requirements } from './requirements';
import { users } from './users';

export const candidateSource = pgEnum('candidate_source', CANDIDATE_SOURCES);
export const documentKind = pgEnum('document_kind', DOCUMENT_KINDS);

/** A person, independent of the requirements they apply to. */
export const candidates = pgTable(
	'candidates',
	{
		id: id(),
		name: text('name').notNull(),
		/** All known e-mail addresses, lower-cased; the first is the primary one. */
		emails: jsonb('emails').$type<string[]>().notNull().default([]),
		phone: text('phone'),
		location: text('location'),
		linkedinUrl: text('linkedin_url'),
		githubUrl: text('github_url'),
		portfolioUrl: text('portfolio_url'),
		currentTitle: text('current_title'),
		currentCompany: text('current_company'),
		source: candidateSource('source').notNull().default('manual'),
		referredById: uuid('referred_by_id').references(() => users.id),
		referrerName: text('referrer_name'),
		tags: jsonb('tags').$type<string[]>().notNull().default([]),
		consentGivenAt: timestamp('consent_given_at', { withTimezone: true }),
		consentPurpose: text('consent_purpose'),
		consentUntil: timestamp('consent_until', { withTimezone: true }),
		/** The candidate asked not to be processed by AI: respected by every AI feature. */
		aiExcluded: boolean('ai_excluded').notNull().default(false),
		/** Text of the current CV, extracted by a job, for full-text search. */
		cvText: text('cv_text').notNull().default(''),
		/** Created despite matching this candidate (`allow_duplicate`). */
		possibleDuplicateOfId: uuid('possible_duplicate_of_id').references((): AnyPgColumn => candidates.id),
		/** Merged into this candidate: the row stays as a tombstone. */
		mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => candidates.id),
		version: integer('version').notNull().default(1),
		createdBy: uuid('created_by').references(() => users.id),
		searchVector: tsvector('search_vector').generatedAlwaysAs(
			sql`setweight(to_tsvector('simple', coalesce(name, '')), 'A') || setweight(to_tsvector('simple', coalesce(current_title, '') || ' ' || coalesce(current_company, '') || ' ' || coalesce(emails::text, '') || ' ' || coalesce(tags::text, '')), 'B') || setweight(to_tsvector('simple', coalesce(cv_text, '')), 'C')`
		),
		/**
		 * The narrow part of the search vector (no CV text): a few hundred bytes kept in the row,
		 * so ranking a match reads it without decompressing the TOASTed CV vector.
		 */
		rankVector: tsvector('rank_vector').generatedAlwaysAs(
			sql`setweight(to_tsvector('simple', coalesce(name, '')), 'A') || setweight(to_tsvector('simple', coalesce(current_title, '') || ' ' || coalesce(current_company, '') || ' ' || coalesce(emails::text, '') || ' ' || coalesce(tags::text, '')), 'B')`
		),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
		deletedAt: deletedAt()
	},
	(t) => [
		// fastupdate off: no pending list, which PGlite (no autovacuum) never cleans after an import.
		index('candidates_search_idx').using('gin', t.searchVector).with({ fastupdate: false }),
		index('candidates_created_idx').on(t.createdAt),
		index('candidates_source_idx').on(t.source),
		index('candidates_tags_idx').using('gin', t.tags)
	]
);

export type Candidate = typeof candidates.$inferSelect;
export type NewCandidate = typeof candidates.$inferInsert;

/**
 * Normalised identifiers of a candidate (e-mail, E.164 phone, LinkedIn URL) for duplicate
 * detection; not unique, because a duplicate can be created on purpose.
 */
export const candidateIdentities = pgTable(
	'candidate_identities',
	{
		id: id(),
		candidateId: uuid('candidate_id')
			.notNull()
			.references(() => candidates.id, { onDelete: 'cascade' }),
		kind: text('kind').$type<'email' | 'phone' | 'linkedin'>().notNull(),
		value: text('value').notNull(),
		createdAt: createdAt()
	},
	(t) => [
		index('candidate_identities_lookup_idx').on(t.kind, t.value),
		index('candidate_identities_candidate_idx').on(t.candidateId)
	]
);

/** A file attached to a candidate (CV, cover letter…), stored under DATA_DIR/files by hash. */
export const candidateDocuments = pgTable(
	'candidate_documents',
	{
		id: id(),
		candidateId: uuid('candidate_id')
			.notNull()
			.references(() => candidates.id),
		kind: documentKind('kind').notNull(),
		fileHash: text('file_hash').notNull(),
		fileName: text('file_name').notNull(),
		mimeType: text('mime_type').notNull(),
		size: integer('size').notNull(),
		/** Extracted text (CVs), null until the extraction job ran. */
		text: text('text'),
		extraction: text('extraction').$type<'pending' | 'done' | 'failed' | 'not_needed'>().notNull().default('pending'),
		uploadedBy: uuid('uploaded_by').references(() => users.id),
		createdAt: createdAt(),
		deletedAt: deletedAt()
	},
	(t) => [index('candidate_documents_candidate_idx').on(t.candidateId, t.createdAt)]
);

export type CandidateDocument = typeof candidateDocuments.$inferSelect;

export const candidateNotes = pgTable(
	'candidate_notes',
	{
		id: id(),
		candidateId: uuid('candidate_id')
			.notNull()
			.references(() => candidates.id),
		authorId: uuid('author_id')
			.notNull()
			.references(() => users.id),
		body: text('body').notNull(),
		createdAt: createdAt()
	},
	(t) => [index('candidate_notes_candidate_idx').on(t.candidateId, t.createdAt)]
);

export type CandidateNote = typeof candidateNotes.$inferSelect;

/** A candidate in one requirement's pipeline. */
export const applications = pgTable(
	'applications',
	{
		id: id(),
		candidateId: uuid('candidate_id')
			.notNull()
			.references(() => candidates.id),
		requirementId: uuid('requirement_id')
			.notNull()
			.references(() => requirements.id),
		/** Key of a stage of the requirement's pipeline (or `rejected` / `withdrawn`). */
		stage: text('stage').notNull(),
		stageEnteredAt: timestamp('stage_entered_at', { withTimezone: true }).notNull().defaultNow(),
		/** Fractional index of the card within its column (concurrent reorders never collide). */
		rank: text('rank').notNull(),
		rejectionReason: text('rejection_reason'),
		version: integer('version').notNull().default(1),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
		deletedAt: deletedAt()
	},
	(t) => [
		uniqueIndex('applications_candidate_requirement_unique')
			.on(t.candidateId, t.requirementId)
			.where(sql`${t.deletedAt} is null`),
		index('applications_requirement_stage_idx').on(t.requirementId, t.stage, t.rank),
		index('applications_candidate_idx').on(t.candidateId)
	]
);

export type Application = typeof applications.$inferSelect;

/** Every stage move: from, to, who, when, and how long the card stayed in the stage it left. */
export const applicationStageHistory = pgTable(
	'application_stage_history',
	{
		id: id(),
		applicationId: uuid('application_id')
			.notNull()
			.references(() => applications.id),
		fromStage: text('from_stage'),
		toStage: text('to_stage').notNull(),
		movedBy: uuid('moved_by').references(() => users.id),
		secondsInPreviousStage: integer('seconds_in_previous_stage'),
		/** api, board, bulk, careers, system */
		via: text('via').notNull(),
		reason: text('reason'),
		createdAt: createdAt()
	},
	(t) => [index('application_stage_history_application_idx').on(t.applicationId, t.createdAt)]
);

export type StageHistoryRow = typeof applicationStageHistory.$inferSelect;

/** The activity feed: what happened to candidates, per requirement (read with permissions). */
export const activityEvents = pgTable(
	'activity_events',
	{
		id: id(),
		type: text('type').notNull(),
		actorId: uuid('actor_id').references(() => users.id),
		candidateId: uuid('candidate_id').references(() => candidates.id),
		requirementId: uuid('requirement_id').references(() => requirements.id),
		applicationId: uuid('application_id').references(() => applications.id),
		data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
		createdAt: createdAt()
	},
	(t) => [
		index('activity_events_created_idx').on(t.createdAt),
		index('activity_events_requirement_idx').on(t.requirementId, t.createdAt),
		index('activity_events_candidate_idx').on(t.candidateId, t.createdAt)
	]
);

export type ActivityEvent = typeof activityEvents.$inferSelect;
