import { eq } from 'drizzle-orm';
import type { Actor } from '../actor';
import { users } from '../db/schema';
import { PermanentJobError } from '../jobs/types';
import type { Runtime } from '../runtime';

/**
 * The user a background job acts for (its input carries only the id): loaded fresh, so a user
 * deactivated or demoted since the job was queued acts with what they have now — or not at all.
 */
export async function jobActor(rt: Runtime, userId: string): Promise<Actor> {
	const [user] = await rt.db
		.select({ id: users.id, role: users.role, name: users.name, active: users.isActive, deletedAt: users.deletedAt })
		.from(users)
		.where(eq(users.id, userId));
	if (!user || !user.active || user.deletedAt) {
		throw new PermanentJobError('The user who started this job no longer has an active account');
	}
	return { userId: user.id, role: user.role, name: user.name };
}
