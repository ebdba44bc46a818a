import { error } from '@sveltejs/kit';
import { createApi, raiseForLoad, type Requirement } from '$lib/api/client';
import { loadFormOptions } from '../../form-options';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, parent }) => {
	const api = createApi(fetch);
	const { user } = await parent();
	try {
		const [requirement, options] = await Promise.all([
			api.get<Requirement>(`/requirements/${params.id}`),
			loadFormOptions(fetch, user)
		]);
		if (!requirement.capabilities.can_edit) {
			error(403, `You cannot edit this requirement (it is ${requirement.status.replace('_', ' ')}, or not yours)`);
		}
		return { requirement, ...options };
	} catch (err) {
		raiseForLoad(err);
	}
};
