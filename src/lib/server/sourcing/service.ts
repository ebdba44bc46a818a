import { and, desc, eq, isNull } from 'drizzle-orm';
import { can } from '../../permissions';
import type { SourcingResultsQuery, XrayInput } from '../../schemas/sourcing';
import { subjectOf, type Actor } from '../actor';
import { recordAudit } from '../audit/audit';
import { insertCandidate, DuplicateCandidate } from '../candidates/service';
import { findDuplicates } from '../candidates/identities';
import type { Executor } from '../db/client';
import { inTransaction } from '../db/transaction';
import { candidates, requirements, sourcingResults, type SourcingResult } from '../db/schema';
import { Conflict, Forbidden, NotFound } from '../errors';
import { assertRequirementInScope } from '../candidates/visibility';
import { insertApplication } from '../pipeline/service';
import type { Runtime } from '../runtime';
import { customSearchSettings } from '../settings/service';
import { fetchSearchPage, QuotaExhausted, readQuota, reserveQuery, type QuotaState } from './custom-search';
import { buildXrayQuery, parseXrayItem, type XrayProfile } from './xray';

/** Recruiters and admins source; everyone else gets a 403. */
export function assertCanSource(actor: Actor): string {
	if (!actor.userId || !can(subjectOf(actor), 'use', 'sourcing')) {
		throw new Forbidden('Only recruiters and admins use sourcing');
	}
	return actor.userId;
}

/** The requirement sourced for — only one the actor sees (departments). */
async function loadRequirement(db: Executor, actor: Actor, id: string) {
	await assertRequirementInScope(db, actor, id);
	const [r] = await db
		.select({
			id: requirements.id,
			title: requirements.title,
			mustHaveSkills: requirements.mustHaveSkills,
			locationCity: requirements.locationCity,
			locationCountry: requirements.locationCountry,
			remotePolicy: requirements.remotePolicy
		})
		.from(requirements)
		.where(and(eq(requirements.id, id), isNull(requirements.deletedAt)));
	if (!r) throw new NotFound('Requirement');
	return r;
}

/** A sourcing result as the API shows it, with the candidate it matches or became. */
function resultView(r: SourcingResult) {
	return {
		id: r.id,
		requirementId: r.requirementId,
		origin: r.origin,
		name: r.name,
		headline: r.headline,
		location: r.location,
		profileUrl: r.profileUrl,
		status: r.status,
		existingCandidateId: r.existingCandidateId,
		candidateId: r.candidateId,
		createdAt: r.createdAt
	};
}
export type SourcingResultView = ReturnType<typeof resultView>;

/** The sourcing results of a requirement, newest first. */
export async function listSourcingResults(rt: Runtime, actor: Actor, query: SourcingResultsQuery) {
	assertCanSource(actor);
	await loadRequirement(rt.db, actor, query.requirement_id);
	const rows = await rt.db
		.select()
		.from(sourcingResults)
		.where(
			and(
				eq(sourcingResults.requirementId, query.requirement_id),
				query.origin ? eq(sourcingResults.origin, query.origin) : undefined
			)
		)
		.orderBy(desc(sourcingResults.createdAt), desc(sourcingResults.id))
		.limit(500);
	return rows.map(resultView);
}

export interface XrayOutcome {
	query: string;
	builtQuery: string;
	configured: boolean;
	message: string;
	quota: QuotaState;
	pagesFetched: number;
	found: number;
	added: number;
	duplicates: number;
	alreadyListed: number;
	quotaExhausted: boolean;
	results: SourcingResultView[];
}

/**
 * `POST /sourcing/linkedin-xray`: builds the X-ray query for a requirement (or takes the user's
 * edited one) and, when Custom Search is configured, runs it page by page within the daily
 * quota. Profiles already among the candidates (same normalised LinkedIn URL) are listed as
 * duplicates of them; profiles already listed for this requirement are not listed twice.
 */
export async function runXray(rt: Runtime, actor: Actor, input: XrayInput): Promise<XrayOutcome> {
	const userId = assertCanSource(actor);
	const requirement = await loadRequirement(rt.db, actor, input.requirement_id);
	const builtQuery = buildXrayQuery(requirement, input.exclude);
	const query = input.query ?? builtQuery;
	const limit = rt.config.GOOGLE_CSE_DAILY_QUOTA;
	const settings = await customSearchSettings(rt);
	const outcome: XrayOutcome = {
		query,
		builtQuery,
		configured: Boolean(settings),
		message: '',
		quota: await readQuota(rt.db, limit),
		pagesFetched: 0,
		found: 0,
		added: 0,
		duplicates: 0,
		alreadyListed: 0,
		quotaExhausted: false,
		results: []
	};
	if (!settings) {
		outcome.message =
			'Google Custom Search is not configured (an admin sets the API key and cx under Integrations): ' +
			'copy the query into Google to search by hand';
		outcome.results = await listSourcingResults(rt, actor, { requirement_id: requirement.id, origin: 'linkedin_xray' });
		return outcome;
	}
	if (!input.run) {
		outcome.message = 'Query built; run it to search';
		outcome.results = await listSourcingResults(rt, actor, { requirement_id: requirement.id, origin: 'linkedin_xray' });
		return outcome;
	}

	const profiles: XrayProfile[] = [];
	let start: number | null = 1;
	for (let page = 0; page < input.pages && start !== null; page++) {
		if (!(await reserveQuery(rt.db, limit))) {
			if (page === 0) throw new QuotaExhausted(limit);
			outcome.quotaExhausted = true;
			break;
		}
		const result = await fetchSearchPage(rt, settings, query, start);
		outcome.pagesFetched++;
		for (const item of result.items) {
			const profile = parseXrayItem(item);
			if (profile && !profiles.some((p) => p.externalKey === profile.externalKey)) profiles.push(profile);
		}
		start = result.items.length > 0 ? result.nextStart : null;
	}
	outcome.found = profiles.length;

	await inTransaction(rt.db, async (tx) => {
		for (const p of profiles) {
			const [match] = await findDuplicates(tx, [{ kind: 'linkedin', value: p.externalKey }]);
			const inserted = await tx
				.insert(sourcingResults)
				.values({
					requirementId: requirement.id,
					origin: 'linkedin_xray',
					name: p.name,
					headline: p.headline,
					location: p.location,
					profileUrl: p.profileUrl,
					externalKey: p.externalKey,
					existingCandidateId: match?.id ?? null,
					status: match ? 'duplicate' : 'new',
					data: { query },
					createdBy: userId
				})
				.onConflictDoNothing()
				.returning({ id: sourcingResults.id });
			if (inserted.length === 0) outcome.alreadyListed++;
			else if (match) outcome.duplicates++;
			else outcome.added++;
		}
		await recordAudit(tx, actor, {
			action: 'sourcing.xray_searched',
			entityType: 'requirement',
			entityId: requirement.id,
			metadata: {
				query,
				pages: outcome.pagesFetched,
				found: outcome.found,
				new: outcome.added,
				duplicates: outcome.duplicates
			}
		});
	});
	outcome.quota = await readQuota(rt.db, limit);
	outcome.message =
		`${outcome.found} profile${outcome.found === 1 ? '' : 's'} found: ${outcome.added} new, ` +
		`${outcome.duplicates} already candidates, ${outcome.alreadyListed} listed before` +
		(outcome.quotaExhausted ? " — today's search quota ran out before the last page" : '');
	outcome.results = await listSourcingResults(rt, actor, { requirement_id: requirement.id, origin: 'linkedin_xray' });
	return outcome;
}

/** Splits "Senior Engineer - Acme" / "Senior Engineer at Acme" into title and company. */
function titleAndCompany(headline: string | null): { title: string | null; company: string | null } {
	if (!headline) return { title: null, company: null };
	const m = /^(.*?)\s+(?:-|–|at|bei|@)\s+(.+)$/i.exec(headline);
	return m
		? { title: m[1].slice(0, 200), company: m[2].slice(0, 200) }
		: { title: headline.slice(0, 200), company: null };
}

/**
 * `POST /sourcing/results/:id/add`: puts a sourcing result into its requirement's pipeline — a
 * new candidate with source `sourcing` (or the existing candidate it matches) plus an
 * application, in one transaction with the result marked `added`.
 */
export async function addSourcingResult(rt: Runtime, actor: Actor, resultId: string) {
	assertCanSource(actor);
	return inTransaction(
		rt.db,
		async (tx, afterCommit) => {
			const [result] = await tx.select().from(sourcingResults).where(eq(sourcingResults.id, resultId)).for('update');
			if (!result) throw new NotFound('Sourcing result');
			if (result.requirementId) await assertRequirementInScope(tx, actor, result.requirementId);
			if (result.status === 'added') {
				throw new Conflict('This profile is already in the pipeline', 'ALREADY_ADDED', {
					candidate_id: result.candidateId
				});
			}
			let candidateId = result.existingCandidateId;
			if (candidateId) {
				const [alive] = await tx
					.select({ id: candidates.id, mergedInto: candidates.mergedIntoId, deletedAt: candidates.deletedAt })
					.from(candidates)
					.where(eq(candidates.id, candidateId));
				candidateId = alive && !alive.deletedAt ? (alive.mergedInto ?? alive.id) : null;
			}
			let created = false;
			if (!candidateId) {
				const { title, company } = titleAndCompany(result.headline);
				try {
					const candidate = await tx.transaction((sp) =>
						insertCandidate(
							sp,
							rt,
							afterCommit,
							actor,
							{
								name: result.name,
								linkedin_url: result.origin === 'linkedin_xray' ? result.profileUrl : null,
								location: result.location,
								current_title: title,
								current_company: company,
								source: 'sourcing'
							},
							{ via: 'sourcing' }
						)
					);
					candidateId = candidate.id;
					created = true;
				} catch (err) {
					// Someone added the same person since the search: use that candidate.
					if (!(err instanceof DuplicateCandidate)) throw err;
					candidateId = err.matches[0].id;
				}
			}
			const application = result.requirementId
				? await insertApplication(tx, rt, afterCommit, actor, result.requirementId, candidateId, { via: 'api' })
				: null;
			const [updated] = await tx
				.update(sourcingResults)
				.set({ status: 'added', candidateId, updatedAt: new Date() })
				.where(eq(sourcingResults.id, result.id))
				.returning();
			await recordAudit(tx, actor, {
				action: 'sourcing.result_added',
				entityType: 'candidate',
				entityId: candidateId,
				metadata: {
					sourcing_result_id: result.id,
					origin: result.origin,
					created_candidate: created,
					application_id: application?.id ?? null
				}
			});
			return {
				result: resultView(updated),
				candidateId,
				createdCandidate: created,
				applicationId: application?.id ?? null
			};
		},
		(err) => rt.logger.warn({ err }, 'after-commit work of a sourcing add failed')
	);
}
