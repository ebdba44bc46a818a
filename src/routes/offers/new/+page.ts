import { error } from '@sveltejs/kit';
import { createApi, raiseForLoad, type JobLevel, type ListData, type Requirement } from '$lib/api/client';
import { can } from '$lib/permissions';
import { bandOf } from '../band';
import type { PageLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Application {
	id: string;
	candidate_id: string;
	requirement_id: string;
	stage: string;
}

interface BoardCard {
	id: string;
	candidate_id: string;
	name: string;
	stage: string;
	current_title: string | null;
}

/**
 * `?application=<id>`: the form for that application, with the candidate, the requirement and
 * its level's band. Without it: pick an open requirement (`?requirement=<id>`), then a candidate.
 */
export const load: PageLoad = async ({ fetch, url, parent }) => {
	const { user } = await parent();
	if (!can(user, 'list', 'offer')) error(403, 'You may not make offers');
	const api = createApi(fetch);
	const applicationId = url.searchParams.get('application') ?? '';
	const requirementId = url.searchParams.get('requirement') ?? '';
	try {
		if (UUID.test(applicationId)) {
			const application = await api.get<Application>(`/applications/${applicationId}`);
			const [candidate, requirement, levels, existing] = await Promise.all([
				api.get<{ id: string; name: string; emails: string[] }>(`/candidates/${application.candidate_id}`),
				api.get<Requirement>(`/requirements/${application.requirement_id}`),
				api.get<ListData<JobLevel>>('/job-levels'),
				api.get<ListData<{ id: string; status: string }>>(`/offers?application_id=${applicationId}&page_size=100`)
			]);
			const live = existing.items.find((o) => !['declined', 'expired', 'withdrawn'].includes(o.status)) ?? null;
			return {
				step: 'form' as const,
				application,
				candidate: { id: candidate.id, name: candidate.name, email: candidate.emails[0] ?? null },
				requirement: {
					id: requirement.id,
					title: requirement.title,
					reference: requirement.reference,
					currency: requirement.currency
				},
				band: bandOf(requirement, levels.items),
				liveOfferId: live?.id ?? null
			};
		}
		const requirements = await api.get<ListData<Requirement>>('/requirements?status=open&page_size=100&sort=title');
		const chosen = UUID.test(requirementId) ? requirements.items.find((r) => r.id === requirementId) : undefined;
		const cards = chosen ? (await api.get<ListData<BoardCard>>(`/requirements/${chosen.id}/applications`)).items : [];
		return {
			step: 'pick' as const,
			requirements: requirements.items.map((r) => ({ id: r.id, label: `${r.title} · ${r.reference}` })),
			requirementId: chosen?.id ?? '',
			applications: cards.filter((c) => !['rejected', 'withdrawn', 'hired'].includes(c.stage))
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
