import type { Role } from '../roles';

/** Who is acting, and from where: carried into every service call and audit row. */
export interface Actor {
	/** Null when the system acts by itself (a scheduled job, the sync server). */
	userId: string | null;
	role: Role | null;
	name?: string;
	ip?: string | null;
	userAgent?: string | null;
	requestId?: string | null;
	/** Set when an admin acts on someone else's behalf. */
	onBehalfOfId?: string | null;
	/**
	 * Whether the user is assigned to departments, when the request already knows it (read with
	 * the session). False spares `departmentScope` its query; undefined: it reads the database.
	 */
	departmentScoped?: boolean;
}

export const SYSTEM_ACTOR: Actor = { userId: null, role: null, name: 'System' };

/** The subject the permission module reasons about, or null for the system. */
export function subjectOf(actor: Actor) {
	return actor.userId && actor.role ? { id: actor.userId, role: actor.role } : null;
}
