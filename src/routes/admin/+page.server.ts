import { error } from '@sveltejs/kit';
import { assignableRoles, can } from '$lib/permissions';
import { listUsersQuery } from '$lib/schemas/users';
import { actorOf } from '$lib/server/http/endpoint';
import { getRuntime } from '$lib/server/registry';
import { listDepartments } from '$lib/server/org/service';
import { listUsers } from '$lib/server/users/service';
import type { PageServerLoad } from './$types';

/** Users admin: admins and super admins only. A malformed query falls back to the first page. */
export const load: PageServerLoad = async (event) => {
	const user = event.locals.user;
	if (!user || !can(user, 'manage', 'user')) error(403, 'Only admins can manage users');
	// The filter form sends empty fields for "any"; they mean "no filter", not an invalid value.
	const params = [...event.url.searchParams].filter(([, value]) => value.trim() !== '');
	const parsed = listUsersQuery.safeParse(Object.fromEntries(params));
	const q = parsed.success ? parsed.data : listUsersQuery.parse({});
	const rt = getRuntime();
	const actor = actorOf(event);
	const page = await listUsers(rt, actor, {
		page: q.page,
		pageSize: q.page_size,
		q: q.q || undefined,
		role: q.role,
		active: q.active === undefined ? undefined : q.active === 'true'
	});
	return {
		users: page.items,
		pagination: {
			page: page.page,
			pageSize: page.pageSize,
			total: page.total,
			pages: Math.max(1, Math.ceil(page.total / page.pageSize))
		},
		filter: { q: q.q ?? '', role: q.role ?? '', active: q.active ?? '' },
		assignableRoles: assignableRoles(user.role),
		// For the "works for" picker: the department tree, by name.
		departments: (await listDepartments(rt, actor)).map((d) => ({ id: d.id, name: d.name, parent_id: d.parentId }))
	};
};
