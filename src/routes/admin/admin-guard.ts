import { error } from '@sveltejs/kit';
import { can, type Resource, type Subject } from '$lib/permissions';

/** The admin pages refuse everyone who may not change what they manage. */
export function requireAdminOf(user: Subject | null, resource: Resource, what: string): void {
	if (!can(user, 'create', resource)) error(403, `Only admins manage ${what}`);
}
