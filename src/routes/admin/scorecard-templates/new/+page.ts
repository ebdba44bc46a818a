import { requireTemplateAdmin } from '../guard';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => {
	const { user } = await parent();
	requireTemplateAdmin(user);
	return {};
};
