import { error } from '@sveltejs/kit';
import { createApi, raiseForLoad, type ListData, type Requirement, type UserSummary } from '$lib/api/client';
import { can } from '$lib/permissions';
import type { ScorecardTemplate } from '../types';
import type { PageLoad } from './$types';

interface Application {
	id: string;
	candidate_id: string;
	requirement_id: string;
	stage: string;
}

/**
 * Scheduling for one application (`?application=<id>`): the candidate, the requirement, the
 * scorecard templates and the people who can sit on the panel (the directory).
 */
export const load: PageLoad = async ({ fetch, url, parent }) => {
	const { user } = await parent();
	if (!can(user, 'create', 'interview')) error(403, 'Only recruiters and admins schedule interviews');
	const applicationId = url.searchParams.get('application');
	if (!applicationId) error(400, 'Open scheduling from a candidate in a requirement’s pipeline');
	const api = createApi(fetch);
	try {
		const application = await api.get<Application>(`/applications/${applicationId}`);
		const [candidate, requirement, templates, people] = await Promise.all([
			api.get<{ id: string; name: string; current_title: string | null }>(`/candidates/${application.candidate_id}`),
			api.get<Requirement>(`/requirements/${application.requirement_id}`),
			api.get<ListData<ScorecardTemplate>>('/scorecard-templates'),
			api.get<{ items: Array<Pick<UserSummary, 'id' | 'name' | 'email' | 'role'>> }>('/users/directory')
		]);
		return {
			application,
			candidate,
			requirement: { id: requirement.id, title: requirement.title, reference: requirement.reference },
			templates: templates.items.filter((t) => t.is_active),
			people: people.items.map((p) => ({ id: p.id, name: p.name, email: p.email, role: p.role }))
		};
	} catch (err) {
		raiseForLoad(err);
	}
};
