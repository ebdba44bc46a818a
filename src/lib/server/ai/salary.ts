import { Type, type Schema } from '@google/genai';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { can } from '../../permissions';
import type { SalaryBenchmarkInput } from '../../schemas/ai';
import { subjectOf, type Actor } from '../actor';
import { jobLevels, offers, requirements, salaryBenchmarks, type SalaryBenchmark } from '../db/schema';
import { Forbidden, NotFound, ValidationFailed } from '../errors';
import { assertRequirementInScope } from '../candidates/visibility';
import type { Runtime } from '../runtime';
import { runWithFallback } from './gemini';
import { titleSimilarity, titleTokens } from './screening/heuristic';

/** How long a benchmark is reused for the same title, level, location and currency. */
export const BENCHMARK_TTL_MS = 90 * 24 * 3600 * 1000;
/** Titles at least this similar (Dice on title words) count as "similar titles". */
const SIMILAR_TITLE = 0.5;
/** An interactive request waits at most this long for Gemini (with retries) before the heuristic. */
const GEMINI_DEADLINE_MS = 20_000;

export interface BenchmarkQuery {
	title: string;
	level: string | null;
	location: string | null;
	currency: string;
}

interface Estimate {
	p25: number;
	p50: number;
	p75: number;
	confidence: 'low' | 'medium' | 'high';
	sampleSize: number | null;
	sources: Array<{ name: string; url?: string; note?: string }>;
}

/** The cache key: the four fields, normalised (case, spaces). */
export function benchmarkKey(q: BenchmarkQuery): string {
	const norm = (v: string | null) => (v ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
	return [norm(q.title), norm(q.level), norm(q.location), q.currency.toUpperCase()].join('|');
}

/** Percentile `p` (0–1) of sorted `values`, linearly interpolated. */
export function percentile(sorted: number[], p: number): number {
	if (sorted.length === 1) return sorted[0];
	const at = (sorted.length - 1) * p;
	const lo = Math.floor(at);
	const hi = Math.ceil(at);
	return Math.round(sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo));
}

/** Thrown when neither Gemini nor the organisation's own data can say anything. */
class NoSalaryData extends ValidationFailed {
	constructor(q: BenchmarkQuery) {
		super(
			[{ field: 'title', message: 'No accepted offers for similar titles and no salary band for this level' }],
			`There is no salary data for "${q.title}" in ${q.currency} yet: give the job level a salary band, or configure Gemini`
		);
	}
}

/**
 * The heuristic: the organisation's own data — accepted offers for similar titles (same level
 * first) in the currency, and the job level's band — with the sample size shown.
 */
async function ownDataEstimate(rt: Runtime, q: BenchmarkQuery): Promise<Estimate> {
	const accepted = await rt.db
		.select({ salary: offers.baseSalary, title: requirements.title, level: jobLevels.name })
		.from(offers)
		.innerJoin(requirements, eq(requirements.id, offers.requirementId))
		.leftJoin(jobLevels, eq(jobLevels.id, requirements.jobLevelId))
		.where(and(eq(offers.status, 'accepted'), isNull(offers.deletedAt), eq(offers.currency, q.currency)));
	const wanted = titleTokens(q.title);
	const similar = accepted.filter((o) => titleSimilarity(wanted, titleTokens(o.title)) >= SIMILAR_TITLE);
	const sameLevel = q.level ? similar.filter((o) => o.level?.toLowerCase() === q.level?.toLowerCase()) : [];
	const sample = (sameLevel.length > 0 ? sameLevel : similar).map((o) => o.salary).sort((a, b) => a - b);

	const [band] = q.level
		? await rt.db
				.select({ min: jobLevels.salaryMin, max: jobLevels.salaryMax, name: jobLevels.name })
				.from(jobLevels)
				.where(
					and(
						sql`lower(${jobLevels.name}) = ${q.level.toLowerCase()}`,
						eq(jobLevels.currency, q.currency),
						isNull(jobLevels.deletedAt)
					)
				)
				.limit(1)
		: [];
	const hasBand = Boolean(band && band.min !== null && band.max !== null);
	if (sample.length === 0 && !hasBand) throw new NoSalaryData(q);

	const sources: Estimate['sources'] = [];
	let offerQ: [number, number, number] | null = null;
	if (sample.length > 0) {
		offerQ = [percentile(sample, 0.25), percentile(sample, 0.5), percentile(sample, 0.75)];
		sources.push({
			name: 'Accepted offers in this organisation',
			note: `${sample.length} accepted offer${sample.length === 1 ? '' : 's'} for similar titles${
				sameLevel.length > 0 ? ` at level ${q.level}` : ''
			}`
		});
	}
	let bandQ: [number, number, number] | null = null;
	if (hasBand) {
		const min = band.min as number;
		const max = band.max as number;
		bandQ = [min + (max - min) * 0.25, min + (max - min) * 0.5, min + (max - min) * 0.75].map(Math.round) as [
			number,
			number,
			number
		];
		sources.push({ name: `Job level band "${band.name}"`, note: `${min}–${max} ${q.currency}` });
	}
	// Enough offers speak for themselves; a few are averaged with the band.
	const quartiles =
		offerQ && (sample.length >= 5 || !bandQ)
			? offerQ
			: offerQ && bandQ
				? (offerQ.map((v, i) => Math.round((v + bandQ![i]) / 2)) as [number, number, number])
				: (bandQ as [number, number, number]);
	const confidence =
		sample.length >= 10 ? 'high' : sample.length >= 5 || (sample.length > 0 && hasBand) ? 'medium' : 'low';
	return { p25: quartiles[0], p50: quartiles[1], p75: quartiles[2], confidence, sampleSize: sample.length, sources };
}

const geminiEstimateSchema = z
	.object({
		p25: z.number().int().positive(),
		p50: z.number().int().positive(),
		p75: z.number().int().positive(),
		confidence: z.enum(['low', 'medium', 'high']),
		sources: z
			.array(z.object({ name: z.string().trim().min(1).max(200), url: z.string().trim().max(500).nullable() }))
			.min(1)
			.max(8)
	})
	.refine((e) => e.p25 <= e.p50 && e.p50 <= e.p75, 'Percentiles must be in order');

const geminiEstimateResponse: Schema = {
	type: Type.OBJECT,
	properties: {
		p25: { type: Type.INTEGER, description: '25th percentile of annual gross base salary' },
		p50: { type: Type.INTEGER, description: 'Median annual gross base salary' },
		p75: { type: Type.INTEGER, description: '75th percentile of annual gross base salary' },
		confidence: { type: Type.STRING, enum: ['low', 'medium', 'high'] },
		sources: {
			type: Type.ARRAY,
			items: {
				type: Type.OBJECT,
				properties: { name: { type: Type.STRING }, url: { type: Type.STRING, nullable: true } },
				required: ['name', 'url']
			}
		}
	},
	required: ['p25', 'p50', 'p75', 'confidence', 'sources'],
	propertyOrdering: ['p25', 'p50', 'p75', 'confidence', 'sources']
};

/** Resolves the query: given fields, or a requirement's title, level, location and currency. */
async function resolveQuery(rt: Runtime, input: SalaryBenchmarkInput) {
	if (!('requirement_id' in input)) {
		return {
			query: {
				title: input.title,
				level: input.level ?? null,
				location: input.location ?? null,
				currency: input.currency
			},
			requirement: null
		};
	}
	const [row] = await rt.db
		.select({
			id: requirements.id,
			title: requirements.title,
			city: requirements.locationCity,
			country: requirements.locationCountry,
			min: requirements.salaryMin,
			max: requirements.salaryMax,
			currency: requirements.currency,
			level: jobLevels.name,
			bandMin: jobLevels.salaryMin,
			bandMax: jobLevels.salaryMax,
			bandCurrency: jobLevels.currency
		})
		.from(requirements)
		.leftJoin(jobLevels, eq(jobLevels.id, requirements.jobLevelId))
		.where(and(eq(requirements.id, input.requirement_id), isNull(requirements.deletedAt)));
	if (!row) throw new NotFound('Requirement');
	const currency = row.currency ?? row.bandCurrency;
	if (!currency) {
		throw new ValidationFailed(
			[{ field: 'requirement_id', message: 'The requirement has no currency (set its salary range first)' }],
			'Set a currency on the requirement (or its job level) to benchmark it'
		);
	}
	return {
		query: {
			title: row.title,
			level: row.level ?? null,
			location: [row.city, row.country].filter(Boolean).join(', ') || null,
			currency: currency.trim()
		},
		requirement: row
	};
}

function publicBenchmark(row: SalaryBenchmark, cached: boolean) {
	return {
		id: row.id,
		title: row.title,
		level: row.level,
		location: row.location,
		currency: row.currency,
		source: row.source,
		p25: row.p25,
		p50: row.p50,
		p75: row.p75,
		confidence: row.confidence,
		sampleSize: row.sampleSize,
		sources: row.sources,
		createdAt: row.createdAt,
		expiresAt: row.expiresAt,
		cached
	};
}

/** Where a range lies against the benchmark's median. */
function position(min: number | null, max: number | null, b: { p25: number; p75: number }) {
	if (min === null || max === null) return null;
	if (max < b.p25) return 'below_market';
	if (min > b.p75) return 'above_market';
	return 'within_market';
}

/**
 * `POST /ai/salary-benchmark`: percentiles 25/50/75 with sources and a confidence, for a title
 * (level, location, currency) or a requirement. Reused for 90 days per key (`refresh` asks
 * again); Gemini when configured, else the organisation's own data with its sample size. For a
 * requirement, compared with its range and its job level's band.
 */
export async function salaryBenchmark(rt: Runtime, actor: Actor, input: SalaryBenchmarkInput) {
	if (!can(subjectOf(actor), 'use', 'ai')) throw new Forbidden('You may not use the AI features');
	if ('requirement_id' in input) await assertRequirementInScope(rt.db, actor, input.requirement_id);
	const { query, requirement } = await resolveQuery(rt, input);
	const key = benchmarkKey(query);
	let row: SalaryBenchmark | undefined;
	let cached = false;
	if (!input.refresh) {
		[row] = await rt.db
			.select()
			.from(salaryBenchmarks)
			.where(and(eq(salaryBenchmarks.key, key), gt(salaryBenchmarks.expiresAt, new Date())))
			.orderBy(desc(salaryBenchmarks.createdAt))
			.limit(1);
		cached = Boolean(row);
	}
	if (!row) {
		const outcome = await runWithFallback<Estimate>(rt, {
			feature: 'salary_benchmark',
			waitForBudget: false,
			deadlineMs: GEMINI_DEADLINE_MS,
			gemini: async (client, options) => {
				const e = await client.generateJson(
					{
						system:
							'You estimate market salaries for recruiters. Answer with annual gross base salary percentiles in the ' +
							'requested currency (whole units), the public sources you base them on, and your confidence.',
						prompt: [
							`Title: ${query.title}`,
							`Level: ${query.level ?? '(not given)'}`,
							`Location: ${query.location ?? '(not given)'}`,
							`Currency: ${query.currency}`
						].join('\n'),
						responseSchema: geminiEstimateResponse,
						schema: geminiEstimateSchema
					},
					options
				);
				return {
					p25: e.p25,
					p50: e.p50,
					p75: e.p75,
					confidence: e.confidence,
					sampleSize: null,
					sources: e.sources.map((s) => (s.url ? { name: s.name, url: s.url } : { name: s.name }))
				};
			},
			heuristic: () => ownDataEstimate(rt, query)
		});
		const e = outcome.value;
		[row] = await rt.db
			.insert(salaryBenchmarks)
			.values({
				key,
				title: query.title,
				level: query.level,
				location: query.location,
				currency: query.currency,
				source: outcome.source,
				p25: e.p25,
				p50: e.p50,
				p75: e.p75,
				confidence: e.confidence,
				sampleSize: e.sampleSize,
				sources: e.sources,
				expiresAt: new Date(Date.now() + BENCHMARK_TTL_MS)
			})
			.returning();
	}
	const benchmark = publicBenchmark(row, cached);
	if (!requirement) return { benchmark, comparison: null };
	const bandInCurrency = requirement.bandCurrency?.trim() === query.currency;
	return {
		benchmark,
		comparison: {
			requirementId: requirement.id,
			requirementRange: {
				min: requirement.min,
				max: requirement.max,
				position: position(requirement.min, requirement.max, row)
			},
			levelBand: bandInCurrency
				? {
						level: requirement.level,
						min: requirement.bandMin,
						max: requirement.bandMax,
						position: position(requirement.bandMin, requirement.bandMax, row)
					}
				: null
		}
	};
}
