import { expect } from 'vitest';
import type { RunningApp } from './hiring';

/**
 * Adds users to departments through the users API (`PATCH /users/:id {department_ids}`, which
 * replaces a user's list: each user's current departments are read first and kept), as the
 * organisation's admin. `rows` may name a user more than once.
 */
export async function assignDepartments(
	running: RunningApp,
	rows: Array<{ userId: string; departmentId: string }>
): Promise<void> {
	const byUser = new Map<string, string[]>();
	for (const { userId, departmentId } of rows) byUser.set(userId, [...(byUser.get(userId) ?? []), departmentId]);
	for (const [userId, added] of byUser) {
		const current = await running.admin.api.get(`/users/${userId}`);
		expect(current.status, JSON.stringify(current.body)).toBe(200);
		const departmentIds = [...new Set([...(current.body.data.department_ids as string[]), ...added])];
		const changed = await running.admin.api.patch(`/users/${userId}`, { department_ids: departmentIds });
		expect(changed.status, JSON.stringify(changed.body)).toBe(200);
		expect(changed.body.data.department_ids).toEqual(expect.arrayContaining(departmentIds));
	}
}
