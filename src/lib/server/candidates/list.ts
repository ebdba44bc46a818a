import { and, getTableColumns, gte, inArray, isNull, lte, eq, sql, type SQL } from 'drizzle-orm';
import { can } from '../../permissions';
import type { ListCandidatesQuery } from '../../schemas/candidates';
import { subjectOf, type Actor } from '../actor';
import { ReadModelCache, type Recheck } from '../cache/read-model-cache';
import { selectRows, type Executor } from '../db/client';
import { applications, candidates, CANDIDATE_CHANGES_SPAN } from '../db/schema';
import { Forbidden } from '../errors';
import type { Page } from '../http/envelope';
import type { Runtime } from '../runtime';
import { departmentScope, type DepartmentScope } from '../scope/departments';
import type { PublicCandidate } from './service';
import { candidateVisibilityCondition, candidateVisibilityKey } from './visibility';

/**
 * The candidates list and its full-text search: the query, and the in-process cache that serves
 * it while nothing it shows changes (src/lib/server/cache/read-model-cache.ts).
 *
 * Each answer remembers every candidate it contains (all pages: `members`). When the
 * `candidates_list` counter moves, the change log (migration 0013) says which candidates
 * changed, and the answer is re-checked against just those rows with its own WHERE instead of
 * running its query again: a changed candidate that is neither in the answer nor in it now
 * leaves it as it is; one that stays in it at the same place (same rank and date) has its row
 * refreshed in the page. Anything else — a candidate in or out of the answer, a move across the
 * page, a change of who may see what, a log too old or a bulk change (an import), an answer of
 * more than 20,000 candidates — runs the query. So under a steady trickle of edits (one a second on 10,000 candidates, say)
 * most searches cost a primary-key read of the changed rows, not a bitmap scan and a rank for
 * each of thousands of matches.
 */

const EMAIL_LIKE = /^[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+$/u;

/**
 * Full-text words → a prefix tsquery ('jane & kot:*'). An e-mail address stays one term: the
 * 'simple' parser indexes it as one lexeme, so its parts alone would never match it.
 */
export function toPrefixQuery(q: string): string | null {
	const terms: string[] = [];
	for (const chunk of q.toLowerCase().split(/\s+/)) {
		const trimmed = chunk.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
		if (EMAIL_LIKE.test(trimmed)) terms.push(`'${trimmed}'`);
		else terms.push(...chunk.split(/[^\p{L}\p{N}]+/u).filter(Boolean));
	}
	const unique = [...new Set(terms)].slice(0, 8);
	return unique.length ? unique.map((w) => `${w}:*`).join(' & ') : null;
}

/** A row of a list page (the API's candidate without CV text) and its text rank, when searched. */
export type CandidateListItem = PublicCandidate & { rank?: number };

/** One cached list answer: the page, and what it takes to re-check it against changed rows. */
export interface ListAnswer {
	page: Page<CandidateListItem>;
	/** `,id,id,…,` of every candidate in the answer, or null when there are more than MAX_MEMBERS. */
	members: string | null;
	/** The WHERE the answer was chosen by (the caller's visibility included) and its text query. */
	where: SQL | undefined;
	tsquery: string | null;
}

/** Answers with more candidates than this keep no member list: any change re-runs them. */
const MAX_MEMBERS = 20_000;
/** More changed candidates than this since an answer was cached: re-run it rather than re-check. */
const MAX_RECHECKED = 50;
/** Log rows read at most to find them (a row per changed candidate and bump). */
const MAX_LOG_ROWS = 500;

/** Added to every text match's rank, so that a match by CV text alone still ranks above 0. */
const CV_ONLY_RANK = 1e-6;

/**
 * Candidates by text (name, e-mail, title, company, tags and CV text, ranked), tag, source,
 * requirement, stage and creation date; paginated.
 */
export async function listCandidates(
	rt: Runtime,
	actor: Actor,
	q: ListCandidatesQuery
): Promise<Page<CandidateListItem>> {
	if (!can(subjectOf(actor), 'list', 'candidate')) throw new Forbidden();
	const scope = await departmentScope(rt.db, actor);
	const key = `${listVisibilityKey(actor, scope)}\n${JSON.stringify(q)}`;
	const answer = await listCache.get(rt.db, key, () =>
		queryCandidates(rt.db, q, candidateVisibilityCondition(scope, actor))
	);
	return answer.page;
}

/**
 * What of the caller a list answer depends on, so that two callers who may see different
 * candidates never share a cached answer: their role, and what the department scope lets them
 * see (`candidateVisibilityKey`: `all` for the whole organisation; for a scoped user their id
 * and departments — their own requirements and panels count too). Everything that decides it
 * (user departments, the department tree, requirements' owners, panels) bumps the counter and
 * re-runs every answer.
 */
export function listVisibilityKey(actor: Actor, scope: DepartmentScope): string {
	if (!actor.userId || !actor.role) return 'system';
	return `role:${actor.role}|${candidateVisibilityKey(actor, scope)}`;
}

/** The text query as SQL, and a match's rank: by the narrow rank vector, plus {@link CV_ONLY_RANK}. */
function rankOf(tsquery: string | null): SQL {
	if (!tsquery) return sql`null::real`;
	return sql`(ts_rank(${candidates.rankVector}, to_tsquery('simple', ${tsquery})) + ${CV_ONLY_RANK})::real`;
}

/**
 * The list rows (without CV text or search vectors) of the candidates `where` selects, with their
 * rank when searched by text. The page and the re-check read rows through this one function, so a
 * refreshed row has the shape of the one it replaces.
 */
async function listRows(db: Executor, where: SQL | undefined, tsquery: string | null): Promise<CandidateListItem[]> {
	const { searchVector: _s, rankVector: _r, cvText: _c, ...narrow } = getTableColumns(candidates);
	const rows = await db
		.select({
			...narrow,
			hasCvText: sql<boolean>`${candidates.cvText} <> ''`,
			rank: sql<number | null>`${rankOf(tsquery)}`
		})
		.from(candidates)
		.where(where);
	return rows.map(({ rank, ...row }) => (rank === null ? row : { ...row, rank: Number(rank) }));
}

/**
 * One list answer from the database (no cache). Without text: newest first. With text: by rank,
 * then newest first. The planner prices a sequential scan by the table's main pages only, not by
 * the TOASTed search vectors (CV text) it must decompress on every row, and would scan all
 * candidates (~130–220 ms at 10,000 CVs, even for a word nobody has) instead of the GIN index
 * (1–11 ms): within this one read-only transaction it is told not to. (The index has fastupdate
 * off, so it has no pending list to be priced up by.) Ranking reads only the narrow rank vector
 * (name, e-mails, title, company, tags; a few hundred bytes in the row): the CV vector is never
 * decompressed, so a word found in every CV costs a bitmap scan and 10,000 small ranks. A match
 * by CV text alone ranks 0 (below every name/title match) plus a small constant, and then by
 * recency. The matches are gathered once (the CTE): the page's ids, the total and the member
 * list come from them in one row; then only the page's rows are read in full.
 */
export async function queryCandidates(
	db: Executor,
	q: ListCandidatesQuery,
	visibility: SQL | undefined
): Promise<ListAnswer> {
	const tsquery = q.q ? toPrefixQuery(q.q) : null;
	// The caller's visibility is part of the query itself (the cache keys on it). Text with no
	// word in it matches nothing.
	const where = q.q && !tsquery ? sql`false` : candidateFilter(q, tsquery, visibility);
	const empty = (total: number, members: string | null): ListAnswer => ({
		page: { items: [], total, page: q.page, pageSize: q.page_size },
		members,
		where,
		tsquery
	});
	if (q.q && !tsquery) return empty(0, ',');
	const read = async (tx: Executor): Promise<ListAnswer> => {
		// One row: the total, the member list and the page's ids in order. (The member list is
		// not repeated on every page row: PGlite hands a large value back slowly, 20 copies of
		// 370 KB took 30 s.)
		const order = sql`rank desc nulls last, created_at desc, id asc`;
		const [answer] = await selectRows<{ total: number | string; members: string | null; page: string | null }>(
			tx,
			sql`with matches as (
				select ${candidates.id} as id, ${rankOf(tsquery)} as rank, ${candidates.createdAt} as created_at
				from ${candidates} where ${where ?? sql`true`}
			)
			select
				(select count(*) from matches) as total,
				(select case when count(*) <= ${MAX_MEMBERS} then ',' || coalesce(string_agg(id::text, ','), '') || ',' end
					from matches) as members,
				(select string_agg(id::text, ',' order by ${order})
					from (select id, rank, created_at from matches order by ${order}
						limit ${q.page_size} offset ${(q.page - 1) * q.page_size}) as page) as page`
		);
		const total = Number(answer.total);
		// A page past the end is empty; it still carries the total.
		if (!answer.page) return empty(total, answer.members);
		const pageIds = answer.page.split(',');
		const byId = new Map((await listRows(tx, inArray(candidates.id, pageIds), tsquery)).map((c) => [c.id, c]));
		const items = pageIds.flatMap((id) => byId.get(id) ?? []);
		return {
			page: { items, total, page: q.page, pageSize: q.page_size },
			members: answer.members,
			where,
			tsquery
		};
	};
	// Only a text search needs the transaction (for the planner setting).
	if (!tsquery) return read(db);
	return db.transaction(async (tx) => {
		await tx.execute(sql`set local enable_seqscan = off`);
		return read(tx);
	});
}

/**
 * The answer brought up to date with the candidates changed since it was cached, or null when
 * only running its query again can tell (see the module comment).
 */
export async function recheckAnswer(db: Executor, answer: ListAnswer, changed: string[]): Promise<ListAnswer | null> {
	const { members, page } = answer;
	if (members === null || changed.length > MAX_RECHECKED) return null;
	const now = new Map(
		(await listRows(db, and(answer.where, inArray(candidates.id, changed)), answer.tsquery)).map((c) => [c.id, c])
	);
	let items = page.items;
	for (const id of changed) {
		const wasIn = members.includes(`,${id},`);
		const row = now.get(id);
		if (!wasIn && !row) continue;
		// Into or out of the answer: the total, and maybe every page, moves.
		if (!wasIn || !row) return null;
		const at = items.findIndex((c) => c.id === id);
		if (at >= 0) {
			// On this page: refreshed in place if it keeps its place.
			if (!sameOrder(row, items[at])) return null;
			items = items.map((c, i) => (i === at ? row : c));
		} else {
			// Still in the answer but not on this page. On the first page of a full page it was
			// ordered after the page's last row; it may not have moved in front of it.
			const last = items.at(-1);
			if (page.page !== 1 || !last || items.length < page.pageSize || !surelyAfter(row, last)) return null;
		}
	}
	return { ...answer, page: { ...page, items } };
}

/** Same rank and creation time (a changed row keeps its place among the others). */
function sameOrder(a: CandidateListItem, b: CandidateListItem): boolean {
	return a.rank === b.rank && a.createdAt.getTime() === b.createdAt.getTime();
}

/**
 * Whether `a` is certainly ordered after `b` (rank down, then newest first). Creation times equal
 * to the millisecond are not decided here (Postgres keeps microseconds): "not sure" re-queries.
 */
function surelyAfter(a: CandidateListItem, b: CandidateListItem): boolean {
	if (a.rank !== b.rank) return (a.rank ?? 0) < (b.rank ?? 0);
	return a.createdAt.getTime() < b.createdAt.getTime();
}

/**
 * Which candidates changed since `since`: the counter and its log rows, read in one snapshot.
 * At most {@link MAX_LOG_ROWS} log rows are read (a bulk change, such as an import, logs a row
 * per candidate): more than that, or an answer older than the log's span, cannot be re-checked.
 */
export async function candidateChangesSince(db: Executor, since: number) {
	const [row] = await selectRows<{ counter: number | string | null; changed: string | null }>(
		db,
		sql`select (select value from change_counters where name = 'candidates_list') as counter,
			(select string_agg(coalesce(candidate_id::text, '*'), ',')
				from (select candidate_id from candidates_list_changes where counter > ${since}
					order by counter limit ${MAX_LOG_ROWS}) as log) as changed`
	);
	if (!row || row.counter === null) return null;
	const counter = Number(row.counter);
	const logged = row.changed?.split(',') ?? [];
	if (counter - since > CANDIDATE_CHANGES_SPAN || logged.length >= MAX_LOG_ROWS) return null;
	if (logged.includes('*')) return { counter, changed: 'everything' as const };
	return { counter, changed: [...new Set(logged)] };
}

const recheck: Recheck<ListAnswer> = { changesSince: candidateChangesSince, apply: recheckAnswer };

/**
 * A cache of list answers as the list uses it (512 answers and 32 M characters of member lists,
 * least recently used out first); `register` counts it in /metrics.
 */
export function newListCache(register = false) {
	return new ReadModelCache<ListAnswer>('candidates_list', 512, register, {
		recheck,
		weigh: (answer) => answer.members?.length ?? 0,
		maxWeight: 32_000_000
	});
}

/**
 * List answers per caller and query, served from memory while the `candidates_list` counter
 * (migrations 0012 and 0013: bumped in the writing transaction by every change to candidates,
 * their identities, applications, requirements' owners and departments, the department tree,
 * users' departments and interview panels) stands still, and re-checked against the changed
 * rows when it moves.
 */
const listCache = newListCache(true);

/**
 * The WHERE of a candidate list (shared by the list and the CSV export); `visibility` is the
 * caller's `candidateVisibility` (undefined: every candidate).
 */
export function candidateFilter(
	q: Omit<ListCandidatesQuery, 'page' | 'page_size'>,
	tsquery: string | null,
	visibility: SQL | undefined
): SQL | undefined {
	const conditions: SQL[] = [isNull(candidates.deletedAt)];
	if (visibility) conditions.push(visibility);
	if (q.include_merged !== 'true') conditions.push(isNull(candidates.mergedIntoId));
	if (q.source) conditions.push(eq(candidates.source, q.source));
	for (const tag of q.tag ?? [])
		conditions.push(sql`${candidates.tags} @> ${JSON.stringify([tag.toLowerCase()])}::jsonb`);
	if (q.created_from) conditions.push(gte(candidates.createdAt, q.created_from));
	if (q.created_to) conditions.push(lte(candidates.createdAt, q.created_to));
	if (q.requirement_id || q.stage) {
		const appConditions: SQL[] = [eq(applications.candidateId, candidates.id), isNull(applications.deletedAt)];
		if (q.requirement_id) appConditions.push(eq(applications.requirementId, q.requirement_id));
		if (q.stage) appConditions.push(eq(applications.stage, q.stage));
		conditions.push(sql`exists (select 1 from ${applications} where ${and(...appConditions)})`);
	}
	if (tsquery) conditions.push(sql`${candidates.searchVector} @@ to_tsquery('simple', ${tsquery})`);
	return and(...conditions);
}
