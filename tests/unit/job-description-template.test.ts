import { describe, expect, it } from 'vitest';
import {
	coveredSections,
	draftFromTemplate,
	draftPrompt,
	sectionsOf,
	type RequirementFacts
} from '../../src/lib/server/ai/job-description/draft';
import { findExclusiveWording } from '../../src/lib/domain/inclusive-language';

/** The deterministic job-description draft (issue 7, part 3), used without Gemini. */

const BACKEND: RequirementFacts = {
	id: '00000000-0000-4000-8000-000000000001',
	title: 'Backend Engineer',
	department: 'Payments',
	level: 'Senior',
	headcount: 2,
	employmentType: 'full_time',
	remotePolicy: 'hybrid',
	city: 'Berlin',
	country: 'Germany',
	salary: '€70,000 – €90,000',
	targetStart: '2027-02-01',
	mustHave: ['Go', 'PostgreSQL', 'Kubernetes'],
	niceToHave: ['Terraform'],
	justification: 'Backfill for Bob, who leaves in January; budget line 4711.',
	written: '',
	org: 'Acme'
};

describe('job-description template', () => {
	it('writes every section from the requirement’s fields', () => {
		const draft = draftFromTemplate(BACKEND);
		expect(draft.about_the_role[0]).toBe(
			'Acme is looking for a Senior Backend Engineer to join the Payments team. ' +
				'This is a full-time role, hybrid, based in Berlin, Germany. We are hiring 2 people for it.'
		);
		expect(draft.about_the_role[1]).toBe('You will work mainly with Go, PostgreSQL and Kubernetes.');
		expect(draft.responsibilities[0]).toBe(
			'Design, build and maintain the systems of the Payments team with Go, PostgreSQL and Kubernetes'
		);
		expect(draft.requirements).toEqual([
			'5+ years of experience as a Backend Engineer or in a similar role',
			'Hands-on experience with Go',
			'Hands-on experience with PostgreSQL',
			'Hands-on experience with Kubernetes',
			'Clear written and spoken communication, and care for the people you work with'
		]);
		expect(draft.nice_to_have).toEqual(['Experience with Terraform']);
		expect(draft.what_we_offer).toEqual([
			'A salary of €70,000 – €90,000 a year',
			'A full-time position',
			'A hybrid setup with our office in Berlin, Germany',
			'A start from 2027-02-01'
		]);
	});

	it('invents nothing: no salary without one, the internal justification never copied', () => {
		const draft = draftFromTemplate({
			...BACKEND,
			salary: null,
			targetStart: null,
			remotePolicy: 'remote',
			city: null
		});
		const all = Object.values(draft).flat().join('\n');
		expect(all).not.toMatch(/salary|€|Bob|budget|4711|backfill/i);
		expect(draft.what_we_offer).toEqual(['A full-time position', 'Remote work from anywhere in Germany']);
		// And the words it uses pass its own inclusive-language check.
		expect(findExclusiveWording(all)).toEqual([]);
	});

	it('leaves out the sections the written text already has', () => {
		const written = 'About the role\nWe build payment rails.\nWhat you will bring:\n- Go\nBenefits\nA good chair';
		expect([...coveredSections(written)].sort()).toEqual(['about_the_role', 'requirements', 'what_we_offer']);
		const sections = sectionsOf(draftFromTemplate({ ...BACKEND, written }), 'job-9');
		expect(sections.map((s) => s.id)).toEqual(['job-9:responsibilities', 'job-9:nice_to_have']);
		expect(sections[0].blocks[0]).toEqual({ type: 'heading', level: 2, text: 'Responsibilities' });
		expect(sections[0].blocks[1]).toMatchObject({ type: 'bulletList' });
	});

	it('fits the role family and the level: a recruiter, an intern', () => {
		const recruiter = draftFromTemplate({
			...BACKEND,
			title: 'Technical Recruiter',
			level: 'Intern',
			mustHave: [],
			niceToHave: [],
			headcount: 1,
			employmentType: 'internship'
		});
		expect(recruiter.responsibilities[0]).toBe('Run hiring processes with the Payments team from brief to offer');
		expect(recruiter.requirements).toEqual([
			'Clear written and spoken communication, and care for the people you work with'
		]);
		expect(recruiter.about_the_role[0]).toContain('This is an internship role');
		expect(recruiter.what_we_offer).toContain('An internship position');
		expect(recruiter.nice_to_have).toEqual([]);
	});

	it('strips Markdown a model adds despite being asked not to', () => {
		const sections = sectionsOf(
			{
				about_the_role: ['**You** will build things.'],
				responsibilities: ['- Ship code', '2) Review code'],
				requirements: [],
				nice_to_have: [],
				what_we_offer: []
			},
			'g'
		);
		expect(sections[0].blocks[1]).toEqual({ type: 'paragraph', text: 'You will build things.' });
		expect(sections[1].blocks[1]).toEqual({ type: 'bulletList', items: ['Ship code', 'Review code'] });
	});

	it('puts the facts, the written text and the instructions into the prompt as data', () => {
		const prompt = draftPrompt({ ...BACKEND, written: 'We build payment rails.' }, 'friendly', 'Mention on-call.');
		expect(prompt).toContain('Tone: friendly and conversational');
		expect(prompt).toContain('Must-have skills: Go, PostgreSQL, Kubernetes');
		expect(prompt).toContain('Salary: €70,000 – €90,000 per year');
		expect(prompt).toContain('<written>\nWe build payment rails.\n</written>');
		expect(prompt).toContain('<instructions>\nMention on-call.\n</instructions>');
		expect(draftPrompt({ ...BACKEND, salary: null }, 'formal', null)).toContain('Salary: (do not mention pay)');
	});
});
