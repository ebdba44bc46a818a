import { date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { applications, candidates } from './candidates';
import { createdAt, id, updatedAt } from './columns';
import { jobs } from './jobs';
import { requirements } from './requirements';
import { users } from './users';

/** Where a result came from: the model, or the deterministic fallback. */
export type AiSource = 'gemini' | 'heuristic';

/** One CV screening of an application (every run is kept). Advisory: it never moves a card. */
export const screeningRuns = pgTable(
	'screening_runs',
	{
		id: id(),
		applicationId: uuid('application_id')
			.notNull()
			.references(() => applications.id),
		candidateId: uuid('candidate_id')
			.notNull()
			.references(() => candidates.id),
		requirementId: uuid('requirement_id')
			.notNull()
			.references(() => requirements.id),
		jobId: uuid('job_id').references(() => jobs.id),
		source: text('source').$type<AiSource>().notNull(),
		model: text('model'),
		score: integer('score').notNull(),
		decision: text('decision').$type<'advance' | 'hold' | 'reject'>().notNull(),
		result: jsonb('result').$type<Record<string, unknown>>().notNull(),
		tokensIn: integer('tokens_in'),
		tokensOut: integer('tokens_out'),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: createdAt()
	},
	(t) => [
		index('screening_runs_application_idx').on(t.applicationId, t.createdAt),
		// One run per job: a job that runs twice (after a crash) finds its run and does not add one.
		uniqueIndex('screening_runs_job_unique').on(t.jobId)
	]
);

export type ScreeningRun = typeof screeningRuns.$inferSelect;

/** Salary benchmarks per key (title, level, location, currency), cached for 90 days. */
export const salaryBenchmarks = pgTable(
	'salary_benchmarks',
	{
		id: id(),
		key: text('key').notNull(),
		title: text('title').notNull(),
		level: text('level'),
		location: text('location'),
		currency: text('currency').notNull(),
		source: text('source').$type<AiSource>().notNull(),
		p25: integer('p25').notNull(),
		p50: integer('p50').notNull(),
		p75: integer('p75').notNull(),
		confidence: text('confidence').$type<'low' | 'medium' | 'high'>().notNull(),
		sampleSize: integer('sample_size'),
		sources: jsonb('sources').$type<Array<{ name: string; url?: string; note?: string }>>().notNull().default([]),
		expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
		createdAt: createdAt()
	},
	(t) => [index('salary_benchmarks_key_idx').on(t.key, t.createdAt)]
);

export type SalaryBenchmark = typeof salaryBenchmarks.$inferSelect;

/** Market research saved with a requirement (each run kept; the newest is shown). */
export const marketResearch = pgTable(
	'market_research',
	{
		id: id(),
		requirementId: uuid('requirement_id')
			.notNull()
			.references(() => requirements.id),
		/** The job that ran it: one row per job, so a job run twice after a crash adds none. */
		jobId: uuid('job_id').references(() => jobs.id),
		source: text('source').$type<AiSource>().notNull(),
		model: text('model'),
		result: jsonb('result').$type<Record<string, unknown>>().notNull(),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: createdAt()
	},
	(t) => [
		index('market_research_requirement_idx').on(t.requirementId, t.createdAt),
		uniqueIndex('market_research_job_unique').on(t.jobId)
	]
);

export type MarketResearch = typeof marketResearch.$inferSelect;

/**
 * Integration settings (Gemini, Google CSE, SmartRecruiters, SMTP). Secret values are stored
 * encrypted (AES-256-GCM with SECRET_KEY) and never returned by the API.
 */
export const integrationSettings = pgTable('integration_settings', {
	key: text('key').primaryKey(),
	/** Non-secret values, in clear. */
	value: jsonb('value').$type<Record<string, unknown>>().notNull().default({}),
	/** Secret values: base64(iv | tag | ciphertext) of a JSON object. */
	secret: text('secret'),
	updatedBy: uuid('updated_by').references(() => users.id),
	createdAt: createdAt(),
	updatedAt: updatedAt()
});

/** A profile found by sourcing (LinkedIn X-ray or SmartRecruiters), until added to the pipeline. */
export const sourcingResults = pgTable(
	'sourcing_results',
	{
		id: id(),
		requirementId: uuid('requirement_id').references(() => requirements.id),
		origin: text('origin').$type<'linkedin_xray' | 'smartrecruiters'>().notNull(),
		name: text('name').notNull(),
		headline: text('headline'),
		location: text('location'),
		profileUrl: text('profile_url'),
		/** Normalised LinkedIn URL or external id, for de-duplication. */
		externalKey: text('external_key').notNull(),
		existingCandidateId: uuid('existing_candidate_id').references(() => candidates.id),
		candidateId: uuid('candidate_id').references(() => candidates.id),
		status: text('status').$type<'new' | 'added' | 'dismissed' | 'duplicate'>().notNull().default('new'),
		data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [
		index('sourcing_results_requirement_idx').on(t.requirementId, t.createdAt),
		uniqueIndex('sourcing_results_unique').on(t.origin, t.externalKey, t.requirementId)
	]
);

export type SourcingResult = typeof sourcingResults.$inferSelect;

/** A resumable SmartRecruiters import: where it stopped, and why it paused. */
export const sourcingRuns = pgTable('sourcing_runs', {
	id: id(),
	jobId: uuid('job_id').references(() => jobs.id),
	origin: text('origin').$type<'smartrecruiters'>().notNull(),
	requirementId: uuid('requirement_id').references(() => requirements.id),
	externalJobId: text('external_job_id').notNull(),
	status: text('status').$type<'running' | 'paused' | 'completed' | 'failed'>().notNull().default('running'),
	/** External candidate ids already imported (resume skips them). */
	done: jsonb('done').$type<string[]>().notNull().default([]),
	pauseReason: text('pause_reason'),
	imported: integer('imported').notNull().default(0),
	duplicates: integer('duplicates').notNull().default(0),
	createdBy: uuid('created_by').references(() => users.id),
	createdAt: createdAt(),
	updatedAt: updatedAt()
});

export type SourcingRun = typeof sourcingRuns.$inferSelect;

/** Google Custom Search queries used per day (the free quota is 100). */
export const searchQuota = pgTable('search_quota', {
	day: date('day').primaryKey(),
	used: integer('used').notNull().default(0)
});
