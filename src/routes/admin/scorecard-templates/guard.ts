import { error } from '@sveltejs/kit';
import { can, type Subject } from '$lib/permissions';

/** Scorecard templates are the admins' (the API refuses everyone else too). */
export function requireTemplateAdmin(user: Subject | null): void {
	if (!can(user, 'manage', 'settings')) error(403, 'Only admins manage scorecard templates');
}
