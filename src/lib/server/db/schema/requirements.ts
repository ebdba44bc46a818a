import { sql } from 'drizzle-orm';
import {
	boolean,
	char,
	date,
	index,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	serial,
	text,
	timestamp,
	uuid
} from 'drizzle-orm/pg-core';
import { EMPLOYMENT_TYPES, REMOTE_POLICIES, REQUIREMENT_STATUSES } from '../../../domain/requirements';
import { createdAt, deletedAt, id, tsvector, updatedAt } from './columns';
import { departments, jobLevels } from './org';
import { users } from './users';

export const requirementStatus = pgEnum('requirement_status', REQUIREMENT_STATUSES);
export const employmentType = pgEnum('employment_type', EMPLOYMENT_TYPES);
export const remotePolicy = pgEnum('remote_policy', REMOTE_POLICIES);

/** A hiring requirement (requisition): a request to hire, its approval and its posting. */
export const requirements = pgTable(
	'requirements',
	{
		id: id(),
		/** Human reference, REQ-000123 (from a sequence), used in postings and feeds. */
		number: serial('number').notNull(),
		title: text('title').notNull(),
		departmentId: uuid('department_id')
			.notNull()
			.references(() => departments.id),
		jobLevelId: uuid('job_level_id').references(() => jobLevels.id),
		hiringManagerId: uuid('hiring_manager_id')
			.notNull()
			.references(() => users.id),
		headcount: integer('headcount').notNull().default(1),
		employmentType: employmentType('employment_type').notNull().default('full_time'),
		locationCity: text('location_city'),
		/** ISO 3166-1 alpha-2. */
		locationCountry: char('location_country', { length: 2 }),
		remotePolicy: remotePolicy('remote_policy').notNull().default('onsite'),
		salaryMin: integer('salary_min'),
		salaryMax: integer('salary_max'),
		currency: char('currency', { length: 3 }),
		targetStartDate: date('target_start_date'),
		justification: text('justification'),
		/** Custom pipeline stages (key + label, in order); null = the default stages. */
		pipelineStages: jsonb('pipeline_stages').$type<Array<{ key: string; label: string }>>(),
		mustHaveSkills: jsonb('must_have_skills').$type<string[]>().notNull().default([]),
		niceToHaveSkills: jsonb('nice_to_have_skills').$type<string[]>().notNull().default([]),
		/** Rendered from the live description document by the sync server (sanitised). */
		descriptionHtml: text('description_html').notNull().default(''),
		descriptionText: text('description_text').notNull().default(''),
		status: requirementStatus('status').notNull().default('draft'),
		/** Where `reopen` returns an on-hold requirement. */
		statusBeforeHold: requirementStatus('status_before_hold'),
		version: integer('version').notNull().default(1),
		createdBy: uuid('created_by')
			.notNull()
			.references(() => users.id),
		submittedBy: uuid('submitted_by').references(() => users.id),
		submittedAt: timestamp('submitted_at', { withTimezone: true }),
		approvedAt: timestamp('approved_at', { withTimezone: true }),
		openedAt: timestamp('opened_at', { withTimezone: true }),
		filledAt: timestamp('filled_at', { withTimezone: true }),
		/** Job posting: shown on /careers while published and open. */
		published: boolean('published').notNull().default(false),
		publishedAt: timestamp('published_at', { withTimezone: true }),
		postingValidThrough: date('posting_valid_through'),
		searchVector: tsvector('search_vector').generatedAlwaysAs(
			sql`to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(location_city, '') || ' ' || coalesce(description_text, '') || ' ' || coalesce(justification, ''))`
		),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
		deletedAt: deletedAt()
	},
	(t) => [
		index('requirements_status_idx').on(t.status),
		index('requirements_department_idx').on(t.departmentId),
		index('requirements_hiring_manager_idx').on(t.hiringManagerId),
		index('requirements_created_idx').on(t.createdAt),
		index('requirements_search_idx').using('gin', t.searchVector)
	]
);

export type Requirement = typeof requirements.$inferSelect;
export type NewRequirement = typeof requirements.$inferInsert;

/** Free comments on a requirement (the approval comments live on the approvals). */
export const comments = pgTable(
	'comments',
	{
		id: id(),
		subjectType: text('subject_type').notNull(),
		subjectId: uuid('subject_id').notNull(),
		authorId: uuid('author_id')
			.notNull()
			.references(() => users.id),
		body: text('body').notNull(),
		createdAt: createdAt()
	},
	(t) => [index('comments_subject_idx').on(t.subjectType, t.subjectId, t.createdAt)]
);

export type Comment = typeof comments.$inferSelect;

/** An application sent from the public careers page, kept until the candidates domain takes it. */
export const inboundApplications = pgTable(
	'inbound_applications',
	{
		id: id(),
		requirementId: uuid('requirement_id')
			.notNull()
			.references(() => requirements.id),
		name: text('name').notNull(),
		email: text('email').notNull(),
		phone: text('phone'),
		/** SHA-256 of the CV; the file is DATA_DIR/files/<hash>. */
		fileHash: text('file_hash').notNull(),
		fileName: text('file_name').notNull(),
		fileSize: integer('file_size').notNull(),
		mimeType: text('mime_type').notNull(),
		consentAt: timestamp('consent_at', { withTimezone: true }).notNull(),
		consentText: text('consent_text').notNull(),
		ip: text('ip'),
		status: text('status').notNull().default('pending'),
		processedAt: timestamp('processed_at', { withTimezone: true }),
		/** Set when the candidates domain turned it into a candidate and an application. */
		candidateId: uuid('candidate_id'),
		applicationId: uuid('application_id'),
		createdAt: createdAt()
	},
	(t) => [
		index('inbound_applications_requirement_idx').on(t.requirementId),
		index('inbound_applications_ip_idx').on(t.ip, t.createdAt)
	]
);

export type InboundApplication = typeof inboundApplications.$inferSelect;
