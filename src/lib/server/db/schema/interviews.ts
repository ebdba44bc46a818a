import { sql } from 'drizzle-orm';
import {
	boolean,
	date,
	index,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	primaryKey,
	text,
	timestamp,
	uniqueIndex,
	uuid
} from 'drizzle-orm/pg-core';
import {
	CONTRACT_TYPES,
	INTERVIEW_STATUSES,
	INTERVIEW_TYPES,
	OFFER_STATUSES,
	RECOMMENDATIONS,
	type RatingLevel,
	type TemplateSection
} from '../../../domain/interviews';
import { applications, candidates } from './candidates';
import { createdAt, deletedAt, id, updatedAt } from './columns';
import { requirements } from './requirements';
import { users } from './users';

export const interviewType = pgEnum('interview_type', INTERVIEW_TYPES);
export const interviewStatus = pgEnum('interview_status', INTERVIEW_STATUSES);
export const recommendation = pgEnum('recommendation', RECOMMENDATIONS);
export const offerStatus = pgEnum('offer_status', OFFER_STATUSES);
export const contractType = pgEnum('contract_type', CONTRACT_TYPES);

/** Named competencies in sections, a 1–4 rating scale and the overall recommendation. */
export const scorecardTemplates = pgTable('scorecard_templates', {
	id: id(),
	name: text('name').notNull(),
	description: text('description'),
	sections: jsonb('sections').$type<TemplateSection[]>().notNull(),
	ratingScale: jsonb('rating_scale').$type<RatingLevel[]>().notNull(),
	isActive: boolean('is_active').notNull().default(true),
	version: integer('version').notNull().default(1),
	createdAt: createdAt(),
	updatedAt: updatedAt(),
	deletedAt: deletedAt()
});

export type ScorecardTemplate = typeof scorecardTemplates.$inferSelect;

/** Which template a requirement uses for each interview type. */
export const requirementScorecardTemplates = pgTable(
	'requirement_scorecard_templates',
	{
		requirementId: uuid('requirement_id')
			.notNull()
			.references(() => requirements.id),
		interviewType: interviewType('interview_type').notNull(),
		templateId: uuid('template_id')
			.notNull()
			.references(() => scorecardTemplates.id),
		createdAt: createdAt()
	},
	(t) => [primaryKey({ columns: [t.requirementId, t.interviewType] })]
);

export const interviews = pgTable(
	'interviews',
	{
		id: id(),
		applicationId: uuid('application_id')
			.notNull()
			.references(() => applications.id),
		requirementId: uuid('requirement_id')
			.notNull()
			.references(() => requirements.id),
		candidateId: uuid('candidate_id')
			.notNull()
			.references(() => candidates.id),
		type: interviewType('type').notNull(),
		startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
		endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
		/** IANA time zone the interview was planned in (e.g. Europe/Berlin). */
		timeZone: text('time_zone').notNull(),
		location: text('location'),
		videoLink: text('video_link'),
		scorecardTemplateId: uuid('scorecard_template_id').references(() => scorecardTemplates.id),
		status: interviewStatus('status').notNull().default('scheduled'),
		/** iCalendar: stable UID, SEQUENCE increased on every change sent. */
		icalUid: text('ical_uid').notNull(),
		icalSequence: integer('ical_sequence').notNull().default(0),
		inviteCandidate: boolean('invite_candidate').notNull().default(false),
		feedbackRemindedAt: timestamp('feedback_reminded_at', { withTimezone: true }),
		version: integer('version').notNull().default(1),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
		deletedAt: deletedAt()
	},
	(t) => [
		index('interviews_application_idx').on(t.applicationId),
		index('interviews_starts_idx').on(t.startsAt),
		uniqueIndex('interviews_ical_uid_unique').on(t.icalUid)
	]
);

export type Interview = typeof interviews.$inferSelect;

export const interviewPanelists = pgTable(
	'interview_panelists',
	{
		interviewId: uuid('interview_id')
			.notNull()
			.references(() => interviews.id, { onDelete: 'cascade' }),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		isLead: boolean('is_lead').notNull().default(false),
		createdAt: createdAt()
	},
	(t) => [primaryKey({ columns: [t.interviewId, t.userId] }), index('interview_panelists_user_idx').on(t.userId)]
);

/** A submitted scorecard, immutable (a trigger refuses UPDATE/DELETE); edits are new revisions. */
export const interviewFeedback = pgTable(
	'interview_feedback',
	{
		id: id(),
		interviewId: uuid('interview_id')
			.notNull()
			.references(() => interviews.id),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id),
		revision: integer('revision').notNull(),
		templateId: uuid('template_id').references(() => scorecardTemplates.id),
		/** The template as it was (sections + scale), so old feedback reads right forever. */
		template: jsonb('template').$type<{ sections: TemplateSection[]; ratingScale: RatingLevel[] }>().notNull(),
		ratings: jsonb('ratings').$type<Record<string, { rating: number; evidence: string }>>().notNull(),
		recommendation: recommendation('recommendation').notNull(),
		summary: text('summary'),
		submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		uniqueIndex('interview_feedback_revision_unique').on(t.interviewId, t.userId, t.revision),
		index('interview_feedback_interview_idx').on(t.interviewId)
	]
);

export type InterviewFeedback = typeof interviewFeedback.$inferSelect;

/** Private calendar feed URLs (/calendar/<token>.ics): only the token's hash is stored. */
export const calendarTokens = pgTable(
	'calendar_tokens',
	{
		id: id(),
		userId: uuid('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		tokenHash: text('token_hash').notNull(),
		createdAt: createdAt(),
		revokedAt: timestamp('revoked_at', { withTimezone: true })
	},
	(t) => [uniqueIndex('calendar_tokens_hash_unique').on(t.tokenHash), index('calendar_tokens_user_idx').on(t.userId)]
);

export const offers = pgTable(
	'offers',
	{
		id: id(),
		applicationId: uuid('application_id')
			.notNull()
			.references(() => applications.id),
		requirementId: uuid('requirement_id')
			.notNull()
			.references(() => requirements.id),
		candidateId: uuid('candidate_id')
			.notNull()
			.references(() => candidates.id),
		baseSalary: integer('base_salary').notNull(),
		currency: text('currency').notNull(),
		bonus: integer('bonus'),
		equity: text('equity'),
		startDate: date('start_date').notNull(),
		expiryDate: date('expiry_date').notNull(),
		contractType: contractType('contract_type').notNull().default('permanent'),
		notes: text('notes'),
		status: offerStatus('status').notNull().default('draft'),
		version: integer('version').notNull().default(1),
		createdBy: uuid('created_by').references(() => users.id),
		submittedBy: uuid('submitted_by').references(() => users.id),
		submittedAt: timestamp('submitted_at', { withTimezone: true }),
		approvedAt: timestamp('approved_at', { withTimezone: true }),
		extendedAt: timestamp('extended_at', { withTimezone: true }),
		respondedAt: timestamp('responded_at', { withTimezone: true }),
		declineReason: text('decline_reason'),
		/** The offer letter PDF (DATA_DIR/files/<hash>), generated when extended. */
		letterFileHash: text('letter_file_hash'),
		/** Part of the signed candidate link; rotating it revokes earlier links. */
		linkNonce: text('link_nonce'),
		createdAt: createdAt(),
		updatedAt: updatedAt(),
		deletedAt: deletedAt()
	},
	(t) => [
		index('offers_application_idx').on(t.applicationId),
		index('offers_status_idx').on(t.status),
		uniqueIndex('offers_one_live_per_application')
			.on(t.applicationId)
			.where(sql`${t.deletedAt} is null and ${t.status} not in ('declined', 'expired', 'withdrawn')`)
	]
);

export type Offer = typeof offers.$inferSelect;
