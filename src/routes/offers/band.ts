import type { JobLevel, Requirement } from '$lib/api/client';
import type { SalaryBand } from '$lib/components/offer-types';

/** The salary band of a requirement's job level, if it has a level. */
export function bandOf(requirement: Pick<Requirement, 'job_level_id'>, levels: JobLevel[]): SalaryBand | null {
	const level = levels.find((l) => l.id === requirement.job_level_id);
	return level ? { name: level.name, min: level.salary_min, max: level.salary_max, currency: level.currency } : null;
}
