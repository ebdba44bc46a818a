import { describe, expect, it } from 'vitest';
import { recogniseQuestion } from '../../src/lib/server/ai/assistant/patterns';

/** The assistant without Gemini (issue 7, part 6): which question is which, and what it is about. */
describe('the pattern assistant recognises its questions', () => {
	it.each([
		['Who is waiting on feedback for the backend role?', { kind: 'feedback', requirement: 'backend' }],
		['who is awaiting scorecards for Data Scientist', { kind: 'feedback', requirement: 'Data Scientist' }],
		[
			'Which feedback is still missing on the Platform Engineer position?',
			{ kind: 'feedback', requirement: 'Platform Engineer' }
		],
		['Who is waiting on feedback?', { kind: 'feedback', requirement: '' }],
		["Summarise Jane's interviews", { kind: 'interviews', candidate: 'Jane' }],
		['summarize Jane Kowalski’s interviews', { kind: 'interviews', candidate: 'Jane Kowalski' }],
		['Interviews with Bob Secret?', { kind: 'interviews', candidate: 'Bob Secret' }],
		[
			'How many candidates in screening for Backend Engineer?',
			{ kind: 'stage_count', requirement: 'Backend Engineer', stage: 'screening' }
		],
		[
			'how many are in the offer stage for the data scientist role',
			{ kind: 'stage_count', requirement: 'data scientist', stage: 'offer' }
		],
		['Pipeline for Backend Engineer', { kind: 'pipeline', requirement: 'Backend Engineer' }],
		['Open requirements', { kind: 'open_requirements' }],
		['What open roles do we have?', { kind: 'open_requirements' }],
		['Offers for Bob Secret', { kind: 'offers', about: 'Bob Secret' }],
		['Any offers?', { kind: 'offers', about: '' }],
		['Find Jane', { kind: 'find_candidate', candidate: 'Jane' }],
		['Tell me about candidate Jane Kowalski.', { kind: 'find_candidate', candidate: 'Jane Kowalski' }]
	])('%s', (question, expected) => {
		expect(recogniseQuestion(question)).toEqual(expected);
	});

	it('recognises nothing else', () => {
		for (const q of ['Write me a poem about rabbits', 'hello', 'What is the weather tomorrow?']) {
			expect(recogniseQuestion(q), q).toBeNull();
		}
	});
});
