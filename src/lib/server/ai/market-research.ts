import { Type, type Schema } from '@google/genai';
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { can } from '../../permissions';
import { subjectOf, type Actor } from '../actor';
import { recordAudit } from '../audit/audit';
import { inTransaction } from '../db/transaction';
import { candidates, jobLevels, marketResearch, requirements, type MarketResearch } from '../db/schema';
import { Forbidden, NotFound } from '../errors';
import { assertRequirementInScope } from '../candidates/visibility';
import type { Page } from '../http/envelope';
import { opaque } from '../http/serialize';
import type { Runtime } from '../runtime';
import { runWithFallback, type AiUsage } from './gemini';
import { titleSimilarity, titleTokens } from './screening/heuristic';
import { marketResearchJob } from '$worker/jobs/ai-market-research';

/** Candidates whose current title is at least this similar (Dice on title words) count as the talent pool. */
const SIMILAR_TITLE = 0.5;
/** How many employers, titles and skills a result lists at most. */
const TOP = 8;

export type Availability = 'scarce' | 'limited' | 'moderate' | 'abundant';

/** What a market research run finds (stored as the row's `result`). */
export interface MarketResearchResult {
	talentAvailability: { level: Availability; summary: string; candidateCount: number | null };
	competingEmployers: Array<{ name: string; note: string | null; count: number | null }>;
	typicalTitles: Array<{ title: string; count: number | null }>;
	typicalSkills: Array<{ skill: string; count: number | null }>;
	/** The heuristic's sample: how many of the organisation's candidates it is based on. */
	sampleSize: number | null;
}

interface ResearchSubject {
	id: string;
	title: string;
	level: string | null;
	location: string | null;
	mustHave: string[];
	niceToHave: string[];
}

/** Only users who may see the requirement (and use AI, to start a run). */
function assertCanRead(actor: Actor) {
	if (!can(subjectOf(actor), 'read', 'requirement')) throw new Forbidden();
}

export function assertCanResearch(actor: Actor): string {
	if (!actor.userId || !can(subjectOf(actor), 'use', 'ai')) throw new Forbidden('You may not use the AI features');
	assertCanRead(actor);
	return actor.userId;
}

async function loadSubject(rt: Runtime, requirementId: string): Promise<ResearchSubject | null> {
	const [row] = await rt.db
		.select({
			id: requirements.id,
			title: requirements.title,
			city: requirements.locationCity,
			country: requirements.locationCountry,
			mustHave: requirements.mustHaveSkills,
			niceToHave: requirements.niceToHaveSkills,
			level: jobLevels.name
		})
		.from(requirements)
		.leftJoin(jobLevels, eq(jobLevels.id, requirements.jobLevelId))
		.where(and(eq(requirements.id, requirementId), isNull(requirements.deletedAt)));
	if (!row) return null;
	return {
		id: row.id,
		title: row.title,
		level: row.level ?? null,
		location: [row.city, row.country].filter(Boolean).join(', ') || null,
		mustHave: row.mustHave,
		niceToHave: row.niceToHave
	};
}

/** The most frequent values (case-insensitive, first spelling kept), with their counts. */
function topCounts(values: string[], limit = TOP): Array<{ value: string; count: number }> {
	const byKey = new Map<string, { value: string; count: number }>();
	for (const raw of values) {
		const value = raw.trim();
		if (!value) continue;
		const key = value.toLowerCase();
		const entry = byKey.get(key);
		if (entry) entry.count++;
		else byKey.set(key, { value, count: 1 });
	}
	return [...byKey.values()].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)).slice(0, limit);
}

function availabilityOf(n: number): Availability {
	return n >= 30 ? 'abundant' : n >= 10 ? 'moderate' : n >= 3 ? 'limited' : 'scarce';
}

/**
 * The heuristic: the organisation's own candidates with a similar current title — their number
 * as availability, their current companies as competing employers, their titles and tags as
 * typical titles and skills. Candidates excluded from AI processing are left out.
 */
export async function ownDataResearch(rt: Runtime, subject: ResearchSubject): Promise<MarketResearchResult> {
	const rows = await rt.db
		.select({ title: candidates.currentTitle, company: candidates.currentCompany, tags: candidates.tags })
		.from(candidates)
		.where(and(isNull(candidates.deletedAt), eq(candidates.aiExcluded, false)));
	const wanted = titleTokens(subject.title);
	const pool = rows.filter((c) => c.title && titleSimilarity(wanted, titleTokens(c.title)) >= SIMILAR_TITLE);
	const n = pool.length;
	const level = availabilityOf(n);
	return {
		talentAvailability: {
			level,
			candidateCount: n,
			summary:
				n === 0
					? `No candidate in this organisation has a title like "${subject.title}" yet`
					: `${n} candidate${n === 1 ? '' : 's'} in this organisation with a title like "${subject.title}" (${level})`
		},
		competingEmployers: topCounts(pool.map((c) => c.company ?? '')).map((e) => ({
			name: e.value,
			note: `Current employer of ${e.count} of them`,
			count: e.count
		})),
		typicalTitles: topCounts(pool.map((c) => c.title ?? '')).map((t) => ({ title: t.value, count: t.count })),
		typicalSkills: topCounts(pool.flatMap((c) => c.tags)).map((s) => ({ skill: s.value, count: s.count })),
		sampleSize: n
	};
}

const name = z.string().trim().min(1).max(200);
const geminiResearchSchema = z.object({
	availability: z.enum(['scarce', 'limited', 'moderate', 'abundant']),
	availabilitySummary: z.string().trim().min(1).max(1000),
	competingEmployers: z
		.array(z.object({ name, note: z.string().trim().max(500).nullable() }))
		.max(12)
		.default([]),
	typicalTitles: z.array(name).max(12).default([]),
	typicalSkills: z.array(name).max(20).default([])
});

const geminiResearchResponse: Schema = {
	type: Type.OBJECT,
	properties: {
		availability: { type: Type.STRING, enum: ['scarce', 'limited', 'moderate', 'abundant'] },
		availabilitySummary: { type: Type.STRING, description: 'Two or three sentences on the talent pool' },
		competingEmployers: {
			type: Type.ARRAY,
			items: {
				type: Type.OBJECT,
				properties: { name: { type: Type.STRING }, note: { type: Type.STRING, nullable: true } },
				required: ['name', 'note']
			}
		},
		typicalTitles: { type: Type.ARRAY, items: { type: Type.STRING } },
		typicalSkills: { type: Type.ARRAY, items: { type: Type.STRING } }
	},
	required: ['availability', 'availabilitySummary', 'competingEmployers', 'typicalTitles', 'typicalSkills'],
	propertyOrdering: ['availability', 'availabilitySummary', 'competingEmployers', 'typicalTitles', 'typicalSkills']
};

/** A stored run as the API shows it. */
export function publicResearch(row: MarketResearch) {
	const { result, ...rest } = row;
	return { ...rest, result: opaque(result) };
}

/** `POST /ai/market-research`: queues a run for a requirement the caller may see → the job. */
export async function requestMarketResearch(rt: Runtime, actor: Actor, requirementId: string) {
	const userId = assertCanResearch(actor);
	await assertRequirementInScope(rt.db, actor, requirementId);
	const subject = await loadSubject(rt, requirementId);
	if (!subject) throw new NotFound('Requirement');
	const job = await rt.jobs.enqueue(marketResearchJob, { requirementId, userId }, { createdBy: actor.userId });
	return { jobId: job.id, requirementId };
}

/**
 * Runs market research for a requirement (Gemini with a JSON schema, else the organisation's own
 * data) and saves it with its audit row in one transaction, keyed by the job: a job that runs
 * again after a crash finds its row and adds none.
 */
export async function runMarketResearch(
	rt: Runtime,
	options: { requirementId: string; jobId: string; actor: Actor; signal?: AbortSignal }
): Promise<{ researchId: string; source: string; usage: AiUsage | null }> {
	const [done] = await rt.db
		.select({ id: marketResearch.id, source: marketResearch.source })
		.from(marketResearch)
		.where(eq(marketResearch.jobId, options.jobId));
	if (done) return { researchId: done.id, source: done.source, usage: null };
	const subject = await loadSubject(rt, options.requirementId);
	if (!subject) throw new NotFound('Requirement');

	const outcome = await runWithFallback<MarketResearchResult>(rt, {
		feature: 'market_research',
		waitForBudget: true,
		signal: options.signal,
		gemini: async (client, callOptions) => {
			const r = await client.generateJson(
				{
					system:
						'You are a talent market analyst helping recruiters. For the role described, estimate talent ' +
						'availability, name the employers competing for the same people, and list the titles and skills ' +
						'such people typically have. Be concrete and brief.',
					prompt: [
						`Title: ${subject.title}`,
						`Level: ${subject.level ?? '(not given)'}`,
						`Location: ${subject.location ?? '(not given)'}`,
						`Must-have skills: ${subject.mustHave.join(', ') || '(none given)'}`,
						`Nice-to-have skills: ${subject.niceToHave.join(', ') || '(none given)'}`
					].join('\n'),
					responseSchema: geminiResearchResponse,
					schema: geminiResearchSchema
				},
				callOptions
			);
			return {
				talentAvailability: { level: r.availability, summary: r.availabilitySummary, candidateCount: null },
				competingEmployers: r.competingEmployers.map((e) => ({ name: e.name, note: e.note, count: null })),
				typicalTitles: r.typicalTitles.map((title) => ({ title, count: null })),
				typicalSkills: r.typicalSkills.map((skill) => ({ skill, count: null })),
				sampleSize: null
			};
		},
		heuristic: () => ownDataResearch(rt, subject)
	});

	const row = await inTransaction(rt.db, async (tx) => {
		const [inserted] = await tx
			.insert(marketResearch)
			.values({
				requirementId: subject.id,
				jobId: options.jobId,
				source: outcome.source,
				model: outcome.model,
				result: {
					...outcome.value,
					...(outcome.fallbackReason ? { fallbackReason: outcome.fallbackReason } : {})
				},
				createdBy: options.actor.userId
			})
			.returning();
		await recordAudit(tx, options.actor, {
			action: 'market_research.create',
			entityType: 'requirement',
			entityId: subject.id,
			after: { researchId: inserted.id, source: inserted.source, jobId: options.jobId }
		});
		return inserted;
	});
	return { researchId: row.id, source: row.source, usage: outcome.usage };
}

/** `GET /requirements/:id/market-research`: every saved run of a requirement, newest first. */
export async function listMarketResearch(
	rt: Runtime,
	actor: Actor,
	requirementId: string,
	q: { page: number; page_size: number }
): Promise<Page<ReturnType<typeof publicResearch>>> {
	assertCanRead(actor);
	await assertRequirementInScope(rt.db, actor, requirementId);
	const subject = await loadSubject(rt, requirementId);
	if (!subject) throw new NotFound('Requirement');
	const where = eq(marketResearch.requirementId, requirementId);
	const [{ total }] = await rt.db.select({ total: count() }).from(marketResearch).where(where);
	const rows = await rt.db
		.select()
		.from(marketResearch)
		.where(where)
		.orderBy(desc(marketResearch.createdAt), desc(marketResearch.id))
		.limit(q.page_size)
		.offset((q.page - 1) * q.page_size);
	return { items: rows.map(publicResearch), total, page: q.page, pageSize: q.page_size };
}
