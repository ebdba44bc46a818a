import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/lib/server/db/client';
import { departmentScope } from '../../src/lib/server/scope/departments';

/** A database that records that it was asked anything (and answers nothing). */
function watchedDatabase() {
	const asked: string[] = [];
	const db = new Proxy(
		{},
		{
			get(_target, property) {
				asked.push(String(property));
				throw new Error(`the database was used (${String(property)})`);
			}
		}
	) as Executor;
	return { db, asked };
}

describe('departmentScope', () => {
	const rita = { userId: '11111111-1111-4111-8111-111111111111', role: 'recruiter' as const };

	it('asks the database nothing for admins, the system, or a user the session says has no departments', async () => {
		const { db, asked } = watchedDatabase();
		await expect(departmentScope(db, { userId: rita.userId, role: 'admin' })).resolves.toBeNull();
		await expect(departmentScope(db, { userId: null, role: null })).resolves.toBeNull();
		await expect(departmentScope(db, { ...rita, departmentScoped: false })).resolves.toBeNull();
		expect(asked).toEqual([]);
	});

	it('reads the database when the user has departments or nobody said (a live connection, a job)', async () => {
		for (const actor of [{ ...rita, departmentScoped: true }, { ...rita }]) {
			const { db, asked } = watchedDatabase();
			await expect(departmentScope(db, actor)).rejects.toThrow(/the database was used/);
			expect(asked.length).toBeGreaterThan(0);
		}
	});
});
