import { and, eq, isNull } from 'drizzle-orm';
import { can } from '../../../permissions';
import { subjectOf, type Actor } from '../../actor';
import { requirements } from '../../db/schema';
import { Forbidden, NotFound } from '../../errors';
import { assertSeesRequirement } from '../../requirements/visibility';
import type { Runtime } from '../../runtime';

/**
 * The requirement, if the actor may edit its description (its hiring manager, recruiters,
 * admins): 404 when it does not exist or lies outside the actor's departments, 403 otherwise.
 */
export async function assertCanEditDescription(rt: Runtime, actor: Actor, requirementId: string) {
	const [row] = await rt.db
		.select({
			id: requirements.id,
			departmentId: requirements.departmentId,
			hiringManagerId: requirements.hiringManagerId,
			createdBy: requirements.createdBy
		})
		.from(requirements)
		.where(and(eq(requirements.id, requirementId), isNull(requirements.deletedAt)));
	if (!row) throw new NotFound('Requirement');
	const relations = await assertSeesRequirement(rt.db, actor, row);
	if (!can(subjectOf(actor), 'update', 'requirement_description', relations)) {
		throw new Forbidden('Only people who may edit this job description can ask AI to write in it');
	}
	return row;
}
