import { zipStored } from './fixtures';

/**
 * Real-looking CVs and two roles for the screening suites and benchmarks (issue 7): for each
 * role, candidates who fit, half fit and do not fit at all, written the way people write CVs
 * (synonyms, date ranges in several formats, German and English).
 */

export interface RoleFixture {
	title: string;
	level: string;
	mustHave: string[];
	niceToHave: string[];
	description: string;
}

export const BACKEND_ROLE: RoleFixture = {
	title: 'Senior Backend Engineer',
	level: 'Senior',
	mustHave: ['Go', 'PostgreSQL', 'Kubernetes', 'REST'],
	niceToHave: ['Kafka', 'Terraform', 'gRPC'],
	description:
		'We are looking for a senior backend engineer with at least 5 years of experience building distributed ' +
		'services. You will design APIs, own the payments platform, improve reliability and observability, ' +
		'mentor engineers and work closely with product. Experience with event-driven architectures, ' +
		'performance tuning and on-call rotations is expected.'
};

export const SALES_ROLE: RoleFixture = {
	title: 'Account Executive',
	level: 'Mid',
	mustHave: ['B2B sales', 'Salesforce', 'Negotiation'],
	niceToHave: ['German', 'SaaS'],
	description:
		'As an account executive you will own the full sales cycle for mid-market customers in DACH: prospecting, ' +
		'discovery, demos, negotiation and closing. You have 3+ years of quota-carrying experience, keep a clean ' +
		'pipeline forecast in the CRM and build relationships with procurement and executive buyers.'
};

export interface CvFixture {
	key: string;
	name: string;
	email: string;
	currentTitle: string;
	/** Which role it fits, and how well (the tests order by this). */
	fits: { role: 'backend' | 'sales'; level: 'strong' | 'partial' | 'none' };
	text: string;
}

export const CVS: CvFixture[] = [
	{
		key: 'backend-strong',
		name: 'Jana Kowalski',
		email: 'jana.kowalski@example.org',
		currentTitle: 'Senior Software Engineer',
		fits: { role: 'backend', level: 'strong' },
		text: `Jana Kowalski
Berlin, Germany · jana.kowalski@example.org · linkedin.com/in/janakowalski

PROFILE
Backend engineer with 8 years of experience building payment and logistics platforms in Golang.
I like boring technology, good observability and teams that write things down.

EXPERIENCE
Senior Software Engineer, Paylane GmbH (03/2020 – present)
- Lead developer of the settlement service: Go, Postgres, gRPC, Kafka; 4,000 requests/s at p99 < 40 ms.
- Moved 30 services to Kubernetes (EKS, Helm) and wrote the Terraform modules for our AWS accounts.
- Designed the public REST API (OpenAPI) used by 200 merchants; introduced contract tests.
- On-call lead; introduced SLOs, Prometheus alerting and OpenTelemetry tracing.

Backend Developer, Cargofy (Jan 2017 – Feb 2020)
- Built the routing engine in Go and Python; PostgreSQL with PostGIS for geodata.
- Event-driven architecture on RabbitMQ; mentored two junior developers.

Software Developer, Webagentur Nord (Sep 2015 – Dec 2016)
- PHP and JavaScript web shops; MySQL.

EDUCATION
B.Sc. Computer Science, TU Dresden (2011 – 2015)

SKILLS
Go, Python, SQL, PostgreSQL, Kafka, gRPC, Docker, Kubernetes, Terraform, AWS, Linux, Git
Languages: Polish (native), German (C1), English (C1)`
	},
	{
		key: 'backend-partial',
		name: 'Tom Becker',
		email: 'tom.becker@example.net',
		currentTitle: 'Full Stack Developer',
		fits: { role: 'backend', level: 'partial' },
		text: `TOM BECKER — Full Stack Developer
Hamburg | tom.becker@example.net

Summary
Full stack developer with 4 years of experience in TypeScript and Node.js, some Go on the side.

Work history
Full Stack Developer at Shopware Labs, 2021 - now
* React front ends and Node.js (NestJS) services with PostgreSQL.
* Wrote two small internal tools in Go.
* CI/CD with GitHub Actions, Docker images deployed by the platform team.

Junior Web Developer at Pixelwerk, 2020 - 2021
* Vue.js, Laravel, MySQL.

Education
Bachelor of Science, Media Informatics, HAW Hamburg, 2016 – 2020

Skills: TypeScript, JavaScript, Node.js, React, Go (basic), PostgreSQL, Docker, REST APIs, Git`
	},
	{
		key: 'backend-none',
		name: 'Lena Fischer',
		email: 'lena.fischer@example.com',
		currentTitle: 'Marketing Manager',
		fits: { role: 'backend', level: 'none' },
		text: `Lena Fischer
Marketing Manager · Munich · lena.fischer@example.com

About me
Marketing manager with 6 years of experience in B2C brand and content marketing.

Experience
Marketing Manager, Alpenmilch AG — 04/2019 – heute
Brand campaigns, content strategy, SEO and a team of three; budget of €1.2M.

Marketing Specialist, Reisefreude GmbH — 2017 – 2019
Newsletters, social media, events.

Education
M.A. Communication Science, LMU München, 2015 – 2017

Skills
Content marketing, SEO, Google Analytics, Canva, Excel, stakeholder management, German, English`
	},
	{
		key: 'sales-strong',
		name: 'Marco Rossi',
		email: 'marco.rossi@example.org',
		currentTitle: 'Senior Account Executive',
		fits: { role: 'sales', level: 'strong' },
		text: `Marco Rossi
Senior Account Executive | Vienna | marco.rossi@example.org

Quota-carrying B2B SaaS seller with 7 years of experience closing mid-market and enterprise deals in DACH.

PROFESSIONAL EXPERIENCE
Senior Account Executive — CloudLedger (SaaS), Vienna    Jun 2021 – Present
- 132% of quota in 2023, 118% in 2022; average deal size €85k ARR.
- Full sales cycle: prospecting, discovery, demos, negotiation with procurement, closing.
- Forecasting and pipeline hygiene in Salesforce; MEDDICC.

Account Executive — Printly, Munich    Mar 2018 – May 2021
- New business with mid-market retailers; B2B sales of a subscription product.
- Negotiated multi-year contracts with executive buyers.

Sales Development Representative — Printly    Jan 2017 – Feb 2018

EDUCATION
BA Business Administration, WU Wien (2013 – 2016)

LANGUAGES: German (native), Italian (native), English (fluent)
TOOLS: Salesforce, HubSpot, Gong, LinkedIn Sales Navigator`
	},
	{
		key: 'sales-partial',
		name: 'Sophie Wagner',
		email: 'sophie.wagner@example.net',
		currentTitle: 'Customer Success Manager',
		fits: { role: 'sales', level: 'partial' },
		text: `Sophie Wagner — Customer Success Manager
Frankfurt · sophie.wagner@example.net

Customer success manager for a B2B SaaS platform, moving towards sales.

Customer Success Manager, Datavista GmbH, 08/2021 – present
- Renewals and upsell conversations with 60 mid-market accounts (HubSpot CRM).
- Ran QBRs with customers' executives; handled renewal negotiation for accounts up to €40k.

Support Specialist, Datavista GmbH, 02/2020 – 07/2021
- Zendesk, onboarding, product training.

Education: B.A. International Business, Goethe-Universität Frankfurt, 2016 – 2019
Languages: German (native), English (C1), French (B1)`
	},
	{
		key: 'sales-none',
		name: 'Ahmed Haddad',
		email: 'ahmed.haddad@example.com',
		currentTitle: 'Data Engineer',
		fits: { role: 'sales', level: 'none' },
		text: `Ahmed Haddad
Data Engineer | Cologne | ahmed.haddad@example.com

Data engineer with 5 years of experience building pipelines with Python, Spark and Airflow.

Experience
Data Engineer, Streamhaus (2020 – Present)
Built the batch and streaming pipelines (Spark, Kafka, Airflow, dbt) feeding our BigQuery warehouse.

Data Analyst, Insurely (2018 – 2020)
SQL, Tableau dashboards for the claims department.

Education
M.Sc. Data Science, RWTH Aachen (2016 – 2018)

Skills: Python, SQL, Spark, Airflow, dbt, Kafka, GCP, Docker, Terraform`
	}
];

export function cvByKey(key: string): CvFixture {
	const cv = CVS.find((c) => c.key === key);
	if (!cv) throw new Error(`no CV fixture ${key}`);
	return cv;
}

function escapeXml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A Word document (.docx) with one paragraph per line of `text`, as a CV upload. */
export function cvDocx(text: string): Uint8Array<ArrayBuffer> {
	const paragraphs = text
		.split('\n')
		.map((line) => `<w:p><w:r><w:t xml:space="preserve">${escapeXml(line)}</w:t></w:r></w:p>`)
		.join('');
	return zipStored([
		{
			name: '[Content_Types].xml',
			content:
				'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
				'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
				'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
				'<Default Extension="xml" ContentType="application/xml"/>' +
				'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
				'</Types>'
		},
		{
			name: '_rels/.rels',
			content:
				'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
				'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
				'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
				'</Relationships>'
		},
		{
			name: 'word/document.xml',
			content:
				'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
				'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
				`<w:body>${paragraphs}</w:body></w:document>`
		}
	]);
}
