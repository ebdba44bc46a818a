/**
 * A candidate profile with what was written offline and waits in the outbox (issue 6): a
 * candidate created offline has only the fields of its form (the server fills the rest), and
 * applications made offline are not in any server answer yet.
 */
import { ApiError, type ListData, type Requirement } from '$lib/api/client';
import { cachedRecordAt, cachedRecords, pendingRecords } from '$lib/offline/records';
import type { CandidateApplication, CandidateProfile } from './types';

/** An application made offline, not on the server yet: no stage is known until it is. */
export type PendingApplication = CandidateApplication & { pending: true };

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The profile with the defaults a record created offline lacks and the pending applications. */
export async function withOfflineChanges(profile: CandidateProfile): Promise<CandidateProfile> {
	const now = new Date().toISOString();
	const candidate: CandidateProfile = {
		...profile,
		emails: profile.emails ?? [],
		tags: profile.tags ?? [],
		applications: profile.applications ?? [],
		documents: profile.documents ?? [],
		notes: profile.notes ?? [],
		created_at: profile.created_at ?? now,
		updated_at: profile.updated_at ?? now
	};
	if (typeof indexedDB === 'undefined') return candidate;
	const known = new Set(candidate.applications.map((a) => a.requirement_id));
	const pending: PendingApplication[] = [];
	for (const record of await pendingRecords('application').catch(() => [])) {
		const requirementId = text(record.requirement_id);
		const id = text(record.id);
		if (record.candidate_id !== candidate.id || !requirementId || !id || known.has(requirementId)) continue;
		const requirement = await cachedRecordAt(`/requirements/${requirementId}`).catch(() => null);
		known.add(requirementId);
		pending.push({
			id,
			requirement_id: requirementId,
			requirement_title: text(requirement?.title) ?? 'A requirement',
			requirement_number: typeof requirement?.number === 'number' ? requirement.number : 0,
			stage: text(record.stage) ?? '',
			stage_label: 'Waiting to sync',
			// Not movable until the server has it (the stage control offers none).
			stages: [],
			stage_entered_at: now,
			rejection_reason: null,
			version: 0,
			created_at: now,
			pending: true
		});
	}
	return pending.length ? { ...candidate, applications: [...candidate.applications, ...pending] } : candidate;
}

/**
 * With no network and no cached answer for the open requirements, those the user has seen (the
 * record cache) that were open then — so a candidate can still be added to one offline.
 */
export async function openRequirementsSeen(
	err: unknown
): Promise<ListData<Pick<Requirement, 'id' | 'title' | 'reference'>>> {
	if (!(err instanceof ApiError) || err.code !== 'NETWORK_ERROR') throw err;
	const seen = (await cachedRecords('requirement').catch(() => []))
		.filter((r) => r.status === 'open')
		.flatMap((r) => {
			const [id, title, reference] = [text(r.id), text(r.title), text(r.reference)];
			return id && title ? [{ id, title, reference: reference ?? '' }] : [];
		})
		.sort((a, b) => a.title.localeCompare(b.title));
	return {
		items: seen,
		pagination: { page: 1, page_size: seen.length, total_items: seen.length, total_pages: 1 }
	};
}
