/**
 * Seeds the candidates-and-pipeline data set of the issue 4 benchmarks straight into the
 * database (drizzle batch inserts, one transaction per batch): `candidates` people with CV text,
 * their identities (for duplicate checks), `requirements` open requirements and `applications`
 * applications with fractional ranks per column. Deterministic (seeded PRNG): every run builds
 * the same data, so results compare across runs and machines.
 *
 * The CV vocabulary is Zipf-like: a few words are in most CVs ("engineer"), some in a few
 * hundred, a long tail in a handful. Prefix search makes a query like "skill1k" match every
 * tail word that starts with it; bench/candidates-search.ts logs the matches per query.
 */
import { sql } from 'drizzle-orm';
import { generateNKeysBetween } from 'fractional-indexing';
import type { DatabaseHandle } from '../../src/lib/server/db/client';
import {
	applications,
	candidateIdentities,
	candidates,
	departments,
	requirements
} from '../../src/lib/server/db/schema';
import { DEFAULT_STAGES } from '../../src/lib/domain/candidates';

export interface SeedOptions {
	/** The user who creates everything and manages every requirement (the bench admin). */
	userId: string;
	candidates?: number;
	requirements?: number;
	applications?: number;
	/** Applications of the first requirement (a large board); the rest are spread evenly. */
	bigBoard?: number;
	wordsPerCv?: number;
}

export interface SeedResult {
	candidates: number;
	requirements: number;
	applications: number;
	requirementIds: string[];
	/** The requirement with `bigBoard` applications. */
	bigBoardId: string;
	seconds: number;
	cvCharacters: number;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const FIRST = [
	'maria',
	'james',
	'anna',
	'lukas',
	'sofia',
	'noah',
	'emma',
	'liam',
	'mia',
	'elias',
	'lea',
	'felix',
	'hannah',
	'jonas',
	'lina',
	'paul',
	'clara',
	'ben',
	'ida',
	'leon',
	'nora',
	'finn',
	'ella',
	'max',
	'amir',
	'yuki',
	'priya',
	'chen',
	'olga',
	'kofi',
	'ines',
	'mateo',
	'zoe',
	'aiden',
	'fatima',
	'ravi'
];
const LAST = [
	'schmidt',
	'muller',
	'garcia',
	'rossi',
	'kowalski',
	'nguyen',
	'smith',
	'jones',
	'silva',
	'novak',
	'tanaka',
	'patel',
	'ivanova',
	'dubois',
	'jensen',
	'okafor',
	'haddad',
	'costa',
	'larsen',
	'weber',
	'fischer',
	'wagner',
	'becker',
	'hoffmann',
	'koch',
	'richter',
	'klein',
	'wolf',
	'neumann',
	'braun'
];
const TITLES = [
	'Software Engineer',
	'Senior Software Engineer',
	'Data Scientist',
	'Product Manager',
	'Designer',
	'DevOps Engineer',
	'QA Engineer',
	'Engineering Manager',
	'Frontend Developer',
	'Backend Developer',
	'Mobile Developer',
	'Data Engineer',
	'Security Engineer',
	'Recruiter',
	'Sales Manager'
];
const COMPANIES = [
	'Acme',
	'Globex',
	'Initech',
	'Umbrella',
	'Hooli',
	'Stark',
	'Wayne',
	'Tyrell',
	'Cyberdyne',
	'Soylent'
];
const TAGS = ['kotlin', 'go', 'rust', 'python', 'react', 'svelte', 'aws', 'kubernetes', 'remote', 'berlin', 'senior'];
const COMMON = [
	'engineer',
	'experience',
	'team',
	'software',
	'development',
	'project',
	'design',
	'data',
	'systems',
	'customer',
	'management',
	'built',
	'led',
	'improved',
	'years',
	'product',
	'cloud',
	'testing',
	'api',
	'platform',
	'performance',
	'architecture',
	'agile',
	'delivery',
	'mentoring',
	'stakeholders'
];

/** A vocabulary of `size` words: the common ones first, then a synthetic long tail. */
function vocabulary(size: number): string[] {
	const words = [...COMMON, ...TAGS];
	for (let i = 0; words.length < size; i++) words.push(`skill${i.toString(36)}`);
	return words;
}

/** Index into the vocabulary with a Zipf-like distribution (rank 1 most frequent). */
function zipf(random: () => number, n: number): number {
	// Inverse of a continuous power law with exponent ~1: floor(n^u) - 1 is heavily skewed.
	return Math.min(n - 1, Math.floor(Math.pow(n, random())) - 1);
}

/** The search terms the benchmark asks for: frequent, middling and rare CV words, names, prefixes. */
export const SEARCH_QUERIES = [
	'engineer', // in every CV (a title word, and the most frequent CV word)
	'kubernetes', // a tag and a common word: 6,416 matches
	'skill1k', // a prefix of many tail words: 5,586 matches
	'skill5zz', // a tail word no CV happens to hold: 0 matches (a pure index probe)
	'maria',
	'schm', // prefix of a surname
	'data scientist',
	'maria engineer',
	'cloud architecture',
	'skill2a'
];

async function inBatches<T>(rows: T[], size: number, insert: (batch: T[]) => Promise<unknown>) {
	for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/** Seeds the data set; returns ids and timing. */
export async function seedCandidates(handle: DatabaseHandle, options: SeedOptions): Promise<SeedResult> {
	const started = performance.now();
	const db = handle.db;
	const random = prng(4);
	const nCandidates = options.candidates ?? 10_000;
	const nRequirements = options.requirements ?? 500;
	const nApplications = options.applications ?? 30_000;
	const bigBoard = Math.min(options.bigBoard ?? 500, nCandidates);
	const wordsPerCv = options.wordsPerCv ?? 250;
	const words = vocabulary(5000);
	const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];

	const candidateRows: Array<typeof candidates.$inferInsert> = [];
	const identityRows: Array<{ index: number; value: string }> = [];
	let cvCharacters = 0;
	for (let i = 0; i < nCandidates; i++) {
		const first = pick(FIRST);
		const last = pick(LAST);
		const email = `${first}.${last}.${i}@seed.example`;
		const cv: string[] = [`${first} ${last}`, pick(TITLES)];
		for (let w = 0; w < wordsPerCv; w++) cv.push(words[zipf(random, words.length)]);
		const cvText = cv.join(' ');
		cvCharacters += cvText.length;
		const tags = [...new Set([pick(TAGS), pick(TAGS)])];
		candidateRows.push({
			name: `${first[0].toUpperCase()}${first.slice(1)} ${last[0].toUpperCase()}${last.slice(1)}`,
			emails: [email],
			currentTitle: pick(TITLES),
			currentCompany: pick(COMPANIES),
			source: 'import',
			tags,
			cvText,
			createdBy: options.userId,
			createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000)
		});
		identityRows.push({ index: i, value: email });
	}
	const candidateIds: string[] = [];
	await inBatches(candidateRows, 500, async (batch) => {
		const inserted = await db.insert(candidates).values(batch).returning({ id: candidates.id });
		candidateIds.push(...inserted.map((r) => r.id));
	});
	await inBatches(identityRows, 2000, (batch) =>
		db
			.insert(candidateIdentities)
			.values(batch.map((r) => ({ candidateId: candidateIds[r.index], kind: 'email' as const, value: r.value })))
	);

	const [dept] = await db.insert(departments).values({ name: 'Seeded Engineering' }).returning();
	const requirementRows = Array.from({ length: nRequirements }, (_, i) => ({
		title: `${pick(TITLES)} #${i + 1}`,
		departmentId: dept.id,
		hiringManagerId: options.userId,
		createdBy: options.userId,
		status: 'open' as const,
		openedAt: new Date()
	}));
	const requirementIds: string[] = [];
	await inBatches(requirementRows, 500, async (batch) => {
		const inserted = await db.insert(requirements).values(batch).returning({ id: requirements.id });
		requirementIds.push(...inserted.map((r) => r.id));
	});

	// Applications: `bigBoard` on the first requirement, the rest spread evenly; distinct
	// candidates per requirement; stages weighted towards the start of the pipeline.
	const stageWeights: Array<[string, number]> = [
		['sourced', 30],
		['applied', 25],
		['screening', 15],
		['interview', 10],
		['offer', 3],
		['hired', 2],
		['rejected', 13],
		['withdrawn', 2]
	];
	const totalWeight = stageWeights.reduce((a, [, w]) => a + w, 0);
	const stageOf = () => {
		let r = random() * totalWeight;
		for (const [stage, w] of stageWeights) if ((r -= w) < 0) return stage;
		return DEFAULT_STAGES[0].key;
	};
	const others = Math.max(1, nRequirements - 1);
	const spread = Math.floor((nApplications - bigBoard) / others);
	const remainder = nApplications - bigBoard - spread * others;
	const perRequirement = requirementIds.map((_, i) => (i === 0 ? bigBoard : spread + (i <= remainder ? 1 : 0)));
	const applicationRows: Array<typeof applications.$inferInsert> = [];
	for (let r = 0; r < requirementIds.length; r++) {
		const chosen = new Set<number>();
		while (chosen.size < Math.min(perRequirement[r], nCandidates)) chosen.add(Math.floor(random() * nCandidates));
		const byStage = new Map<string, number[]>();
		for (const c of chosen) {
			const stage = stageOf();
			byStage.set(stage, [...(byStage.get(stage) ?? []), c]);
		}
		for (const [stage, members] of byStage) {
			const ranks = generateNKeysBetween(null, null, members.length);
			members.forEach((c, k) =>
				applicationRows.push({
					candidateId: candidateIds[c],
					requirementId: requirementIds[r],
					stage,
					rank: ranks[k],
					rejectionReason: stage === 'rejected' ? 'not_qualified' : null,
					createdBy: options.userId
				})
			);
		}
	}
	await inBatches(applicationRows, 2000, (batch) => db.insert(applications).values(batch));
	// Fresh statistics, as autovacuum would have them on a database that grew to this size.
	for (const table of ['candidates', 'applications', 'candidate_identities']) {
		await db.execute(sql.raw(`analyze ${table}`));
	}
	return {
		candidates: candidateIds.length,
		requirements: requirementIds.length,
		applications: applicationRows.length,
		requirementIds,
		bigBoardId: requirementIds[0],
		seconds: Math.round((performance.now() - started) / 100) / 10,
		cvCharacters
	};
}
