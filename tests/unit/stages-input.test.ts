import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGES } from '../../src/lib/domain/candidates';
import { stagesInput } from '../../src/lib/schemas/candidates';

/** `PUT /requirements/:id/pipeline/stages`: what a stage list may and may not be. */
describe('stagesInput', () => {
	it('accepts renaming hired (and any other stage)', () => {
		const stages = DEFAULT_STAGES.map((s) => (s.key === 'hired' ? { ...s, label: 'Welcome aboard' } : s));
		expect(stagesInput.safeParse({ stages, version: 1 }).success).toBe(true);
	});

	it('refuses removing hired, naming the field', () => {
		const result = stagesInput.safeParse({ stages: DEFAULT_STAGES.filter((s) => s.key !== 'hired'), version: 1 });
		expect(result.success).toBe(false);
		const issue = result.error?.issues.find((i) => i.path[0] === 'stages');
		expect(issue?.message).toMatch(/hired stage can be renamed but not removed/);
	});

	it('refuses listing the terminal stages (they are always there, and cannot be dropped)', () => {
		for (const key of ['rejected', 'withdrawn']) {
			const result = stagesInput.safeParse({ stages: [...DEFAULT_STAGES, { key, label: 'X' }], version: 1 });
			expect(result.success, key).toBe(false);
			expect(result.error?.issues[0].path[0]).toBe('stages');
		}
	});
});
