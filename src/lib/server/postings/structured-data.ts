import type { Posting } from './service';

const SCHEMA_EMPLOYMENT: Record<string, string> = {
	full_time: 'FULL_TIME',
	part_time: 'PART_TIME',
	contract: 'CONTRACTOR',
	temporary: 'TEMPORARY',
	internship: 'INTERN'
};

const FEED_JOBTYPE: Record<string, string> = {
	full_time: 'fulltime',
	part_time: 'parttime',
	contract: 'contract',
	temporary: 'temporary',
	internship: 'internship'
};

export interface Organization {
	name: string;
	url: string;
	logo?: string;
}

function isoDate(d: Date): string {
	return d.toISOString().slice(0, 10);
}

/**
 * schema.org JobPosting as Google's job rich results expect: title, description (HTML),
 * datePosted, validThrough, employmentType, hiringOrganization, jobLocation (or
 * jobLocationType TELECOMMUTE with the applicant location), baseSalary, identifier.
 */
export function jobPostingJsonLd(p: Posting, org: Organization, url: string): Record<string, unknown> {
	const data: Record<string, unknown> = {
		'@context': 'https://schema.org/',
		'@type': 'JobPosting',
		title: p.title,
		description: p.descriptionHtml || `<p>${escapeXml(p.title)}</p>`,
		identifier: { '@type': 'PropertyValue', name: org.name, value: p.reference },
		datePosted: isoDate(p.publishedAt),
		employmentType: SCHEMA_EMPLOYMENT[p.employmentType] ?? 'OTHER',
		hiringOrganization: {
			'@type': 'Organization',
			name: org.name,
			sameAs: org.url,
			...(org.logo ? { logo: org.logo } : {})
		},
		directApply: true,
		url
	};
	if (p.validThrough) data.validThrough = `${p.validThrough}T23:59:59Z`;
	const place = {
		'@type': 'Place',
		address: {
			'@type': 'PostalAddress',
			...(p.locationCity ? { addressLocality: p.locationCity } : {}),
			...(p.locationCountry ? { addressCountry: p.locationCountry } : {})
		}
	};
	if (p.remotePolicy === 'remote') {
		data.jobLocationType = 'TELECOMMUTE';
		if (p.locationCountry) data.applicantLocationRequirements = { '@type': 'Country', name: p.locationCountry };
	}
	if (p.remotePolicy !== 'remote' || p.locationCity) data.jobLocation = place;
	if (p.currency && (p.salaryMin !== null || p.salaryMax !== null)) {
		data.baseSalary = {
			'@type': 'MonetaryAmount',
			currency: p.currency,
			value: {
				'@type': 'QuantitativeValue',
				...(p.salaryMin !== null ? { minValue: p.salaryMin } : {}),
				...(p.salaryMax !== null ? { maxValue: p.salaryMax } : {}),
				unitText: 'YEAR'
			}
		};
	}
	return data;
}

/** JSON for a <script type="application/ld+json"> block: `<` escaped so it cannot close the tag. */
export function jsonLdScript(data: unknown): string {
	return JSON.stringify(data)
		.replace(/</g, '\\u003c')
		.replace(/\u2028/g, '\\u2028')
		.replace(/\u2029/g, '\\u2029');
}

export function escapeXml(value: string): string {
	return value
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&apos;');
}

function cdata(value: string): string {
	// "]]>" cannot appear inside a CDATA section: split it across two sections.
	return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

// XML 1.0 forbids most control characters, even inside CDATA.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/**
 * The job feed in the XML format aggregators (Indeed and those that copy it) ingest: one
 * <job> per posting with title, date, reference number, url, company, city, country,
 * description, salary and job type.
 */
export function jobFeedXml(postings: Posting[], org: Organization, urlOf: (p: Posting) => string): string {
	const clean = (s: string) => s.replace(XML_INVALID, '');
	const jobs = postings.map((p) => {
		const salary =
			p.currency && (p.salaryMin !== null || p.salaryMax !== null)
				? `${p.salaryMin ?? ''}${p.salaryMin !== null && p.salaryMax !== null ? '-' : ''}${p.salaryMax ?? ''} ${p.currency} per year`
				: '';
		return `  <job>
    <title>${cdata(clean(p.title))}</title>
    <date>${cdata(p.publishedAt.toUTCString())}</date>
    <referencenumber>${cdata(p.reference)}</referencenumber>
    <url>${cdata(urlOf(p))}</url>
    <company>${cdata(clean(org.name))}</company>
    <city>${cdata(clean(p.locationCity ?? (p.remotePolicy === 'remote' ? 'Remote' : '')))}</city>
    <state>${cdata('')}</state>
    <country>${cdata(p.locationCountry ?? '')}</country>
    <postalcode>${cdata('')}</postalcode>
    <description>${cdata(clean(p.descriptionHtml || p.descriptionText || p.title))}</description>
    <salary>${cdata(salary)}</salary>
    <jobtype>${cdata(FEED_JOBTYPE[p.employmentType] ?? 'other')}</jobtype>
    <category>${cdata(clean(p.departmentName))}</category>
    <remotetype>${cdata(p.remotePolicy === 'remote' ? 'Fully remote' : p.remotePolicy === 'hybrid' ? 'Hybrid remote' : '')}</remotetype>
  </job>`;
	});
	return `<?xml version="1.0" encoding="utf-8"?>
<source>
  <publisher>${escapeXml(org.name)}</publisher>
  <publisherurl>${escapeXml(org.url)}</publisherurl>
  <lastBuildDate>${new Date().toUTCString()}</lastBuildDate>
${jobs.join('\n')}
</source>
`;
}
