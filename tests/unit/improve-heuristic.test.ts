import { describe, expect, it } from 'vitest';
import { improveHeuristically } from '../../src/lib/server/ai/writing';

/** The deterministic "improve this paragraph" (issue 7, part 3), used without Gemini. */

describe('improve this paragraph, heuristic', () => {
	it('addresses the reader and keeps the grammar', () => {
		const out = improveHeuristically(
			'The ideal candidate will join our team. He or she is responsible for the API and his or her code is reviewed.'
		);
		expect(out.text).toBe(
			'You will join our team. You are will own the API and your code is reviewed.'.replace(
				'You are will own',
				'You will own'
			)
		);
		expect(out.changes).toContain('Addresses the reader as "you" instead of he/she');
	});

	it('replaces exclusionary wording and says so', () => {
		const out = improveHeuristically('We want a rockstar who is a native English speaker and a culture fit');
		expect(out.text).toBe('We want an expert who is a fluent English speaker and a values alignment.');
		expect(out.changes).toContain('Replaced exclusionary wording');
		expect(out.changes).toContain('Ended the paragraph with a full stop');
	});

	it('shortens and lists on request, and says what it cannot do without AI', () => {
		expect(
			improveHeuristically('You will really build services. You will basically run them.', 'make it shorter').text
		).toBe('You will build services. You will run them.');
		expect(improveHeuristically('You build services. You run them.', 'as a bullet list').text).toBe(
			'- You build services\n- You run them'
		);
		expect(improveHeuristically('You build services.', 'make it funnier').changes).toEqual([
			'Without AI only wording fixes are made; "make it funnier" needs Gemini'
		]);
	});
});
