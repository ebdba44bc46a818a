import { describe, expect, it } from 'vitest';
import { customSearchEndpoint } from '../../src/lib/server/sourcing/custom-search';
import { buildXrayQuery, parseXrayItem, titleVariants } from '../../src/lib/server/sourcing/xray';

/** The X-ray query and the parsing of Custom Search items (issue 7, part 7), without network. */

describe('LinkedIn X-ray', () => {
	it('builds the query from title variants, must-haves, city and exclusions', () => {
		expect(titleVariants('Senior Backend Engineer')).toEqual([
			'Senior Backend Engineer',
			'Senior Backend Developer',
			'Senior Backend Programmer',
			'Backend Engineer'
		]);
		expect(
			buildXrayQuery(
				{
					title: 'Account Executive',
					mustHaveSkills: ['B2B sales', 'Salesforce'],
					locationCity: 'Munich',
					locationCountry: 'DE',
					remotePolicy: 'onsite'
				},
				['intern', 'sales manager']
			)
		).toBe(
			'site:linkedin.com/in "Account Executive" "B2B sales" "Salesforce" "Munich" -jobs -hiring -intern -"sales manager"'
		);
		// A remote role is not tied to its city.
		expect(
			buildXrayQuery({
				title: 'Designer',
				mustHaveSkills: [],
				locationCity: 'Berlin',
				locationCountry: null,
				remotePolicy: 'remote'
			})
		).not.toContain('Berlin');
	});

	it('parses name, headline, location and the normalised profile URL', () => {
		expect(
			parseXrayItem({
				title: 'Jane Doe - Senior Engineer - Acme | LinkedIn',
				link: 'https://de.linkedin.com/in/Jane-Doe-123/?trk=x',
				snippet:
					'Senior Engineer at Acme · Experience: Acme · Location: Berlin, Germany · 500+ connections on LinkedIn.'
			})
		).toEqual({
			name: 'Jane Doe',
			headline: 'Senior Engineer - Acme',
			location: 'Berlin, Germany',
			profileUrl: 'https://www.linkedin.com/in/jane-doe-123',
			externalKey: 'linkedin.com/in/jane-doe-123'
		});
		// Metatags win over a title cut short by Google.
		expect(
			parseXrayItem({
				title: 'Jörg Müller – Head of Data – ...',
				link: 'https://www.linkedin.com/in/joerg-mueller',
				pagemap: {
					metatags: [
						{
							'og:title': 'Jörg Müller – Head of Data – Example GmbH | LinkedIn',
							'profile:first_name': 'Jörg',
							'profile:last_name': 'Müller'
						}
					]
				}
			})
		).toMatchObject({ name: 'Jörg Müller', headline: 'Head of Data - Example GmbH', location: null });
		// Not a profile: job pages, company pages.
		expect(parseXrayItem({ title: 'Jobs', link: 'https://www.linkedin.com/jobs/view/123' })).toBeNull();
		expect(parseXrayItem({ title: 'Acme | LinkedIn', link: 'https://www.linkedin.com/company/acme' })).toBeNull();
	});

	it('takes GOOGLE_CSE_BASE_URL as a host or as the whole endpoint', () => {
		expect(customSearchEndpoint('http://127.0.0.1:9999').toString()).toBe('http://127.0.0.1:9999/customsearch/v1');
		expect(customSearchEndpoint('https://www.googleapis.com/customsearch/v1').toString()).toBe(
			'https://www.googleapis.com/customsearch/v1'
		);
	});
});
