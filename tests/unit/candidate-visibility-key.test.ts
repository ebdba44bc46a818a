import { describe, expect, it } from 'vitest';
import { candidateVisibilityKey } from '../../src/lib/server/candidates/visibility';

describe('candidateVisibilityKey', () => {
	const rita = { userId: '11111111-1111-4111-8111-111111111111', role: 'recruiter' as const };
	const una = { userId: '22222222-2222-4222-8222-222222222222', role: 'recruiter' as const };

	it('is one shared key for everyone who sees the whole organisation', () => {
		expect(candidateVisibilityKey(rita, null)).toBe('all');
		expect(candidateVisibilityKey(una, null)).toBe(candidateVisibilityKey(rita, null));
	});

	it('names the user and the departments of a scoped user, whatever their order', () => {
		const a = candidateVisibilityKey(rita, new Set(['b-dept', 'a-dept']));
		expect(a).toBe(candidateVisibilityKey(rita, new Set(['a-dept', 'b-dept'])));
		expect(a).not.toBe('all');
		// Their own requirements and panels count: two users of one department do not share a key.
		expect(a).not.toBe(candidateVisibilityKey(una, new Set(['a-dept', 'b-dept'])));
		expect(a).not.toBe(candidateVisibilityKey(rita, new Set(['a-dept'])));
		// An empty scope (sees no department) is not the whole organisation.
		expect(candidateVisibilityKey(rita, new Set())).not.toBe('all');
	});
});
