import { describe, expect, it } from 'vitest';
import { findExclusiveWording } from '../../src/lib/domain/inclusive-language';

/** The deterministic inclusive-language check (issue 7, part 3) on phrases from real job ads. */

function flagged(text: string) {
	return findExclusiveWording(text).map((f) => ({ text: f.text, category: f.category, at: f.start }));
}

describe('inclusive-language check', () => {
	it('flags masculine-coded words with their position and alternatives', () => {
		const text = 'We are looking for a rockstar developer. He will own the backend.';
		const flags = findExclusiveWording(text);
		expect(flags.map((f) => [f.text, f.category])).toEqual([
			['rockstar', 'gendered'],
			['He', 'gendered']
		]);
		expect(text.slice(flags[0].start, flags[0].end)).toBe('rockstar');
		expect(flags[1].start).toBe(text.indexOf('He will'));
		expect(flags[1].alternatives).toContain('they');
		expect(flags[0].why).toMatch(/women/);
	});

	it('prefers the longest phrase where rules overlap', () => {
		expect(flagged('Join our young and dynamic team!')).toEqual([
			{ text: 'young and dynamic', category: 'age', at: 9 }
		]);
		expect(flagged('Native English speaker required.')).toEqual([
			{ text: 'Native English speaker', category: 'origin', at: 0 }
		]);
		expect(flagged('He or she reports to the CTO.')).toEqual([{ text: 'He or she', category: 'gendered', at: 0 }]);
	});

	it('flags gendered generics, titles, ability and culture gates', () => {
		const ad = 'Plan the manpower for the chairman; must be able to lift boxes; a great culture fit.';
		expect(flagged(ad)).toEqual(
			(
				[
					['manpower', 'gendered'],
					['chairman', 'gendered'],
					['must be able to lift', 'ability'],
					['culture fit', 'culture']
				] as const
			).map(([text, category]) => ({ text, category, at: ad.indexOf(text) }))
		);
		const pace = 'A fast-paced place for a coding ninja who can hit the ground running.';
		expect(flagged(pace)).toEqual(
			(
				[
					['fast-paced', 'jargon'],
					['ninja', 'gendered'],
					['hit the ground running', 'jargon']
				] as const
			).map(([text, category]) => ({ text, category, at: pace.indexOf(text) }))
		);
	});

	it('matches across line breaks and in any case', () => {
		expect(flagged('a NATIVE\nspeaker')).toEqual([{ text: 'NATIVE\nspeaker', category: 'origin', at: 2 }]);
	});

	it('leaves words that only contain a term, and harmless phrases, alone', () => {
		expect(flagged('Whether the theme shows, the chemist checks the shell.')).toEqual([]);
		expect(flagged('A data-driven team with a mature codebase and a competitive salary.')).toEqual([]);
		expect(flagged('Our team is competitive.')).toEqual([{ text: 'competitive', category: 'gendered', at: 12 }]);
	});

	it('reports nothing for plain, inclusive wording', () => {
		expect(
			findExclusiveWording(
				'You will design and run our payment services with a team of six engineers. Fluent English (C1).'
			)
		).toEqual([]);
	});
});
