/**
 * Skills and job titles as recruiters write them: each canonical skill with the other names it
 * goes by, and the words job titles use interchangeably. Used by the screening heuristic (a CV
 * saying "Postgres" meets "PostgreSQL") and by the LinkedIn X-ray query (title variants).
 * Isomorphic: the pages may show the synonyms.
 */

/**
 * Canonical skill → the other ways of writing the same thing (lower case). An alias written
 * `=Go` only matches with that case. Only true synonyms here; related tools go in SKILL_FAMILIES.
 */
export const SKILL_SYNONYMS: Record<string, string[]> = {
	javascript: ['javascript', 'js', 'ecmascript', 'es6', 'es2015'],
	typescript: ['typescript', 'ts'],
	'node.js': ['node.js', 'nodejs', 'node js', 'node'],
	react: ['react', 'react.js', 'reactjs'],
	'react native': ['react native'],
	vue: ['vue', 'vue.js', 'vuejs'],
	angular: ['angular', 'angularjs', 'angular.js'],
	svelte: ['svelte', 'sveltekit'],
	'next.js': ['next.js', 'nextjs'],
	html: ['html', 'html5'],
	css: ['css', 'css3'],
	sass: ['sass', 'scss'],
	tailwind: ['tailwind', 'tailwindcss', 'tailwind css'],
	python: ['python', 'python3'],
	django: ['django'],
	flask: ['flask'],
	fastapi: ['fastapi'],
	java: ['java'],
	kotlin: ['kotlin'],
	scala: ['scala'],
	spring: ['spring', 'spring boot', 'springboot'],
	go: ['golang', '=Go'],
	rust: ['rust'],
	'c++': ['c++', 'cpp'],
	'c#': ['c#', 'csharp', 'c sharp'],
	'.net': ['.net', 'dotnet', 'asp.net', '.net core'],
	ruby: ['ruby'],
	rails: ['rails', 'ruby on rails', 'ror'],
	php: ['php'],
	laravel: ['laravel'],
	swift: ['swift'],
	'objective-c': ['objective-c', 'objc'],
	android: ['android'],
	ios: ['ios'],
	sql: ['sql', 't-sql', 'pl/sql'],
	postgresql: ['postgresql', 'postgres', 'psql', 'pgsql', 'plpgsql'],
	mysql: ['mysql', 'mariadb'],
	'sql server': ['sql server', 'mssql'],
	oracle: ['oracle db', 'oracle database'],
	mongodb: ['mongodb', 'mongo'],
	redis: ['redis'],
	elasticsearch: ['elasticsearch', 'elastic search', 'opensearch'],
	kafka: ['kafka', 'apache kafka'],
	rabbitmq: ['rabbitmq'],
	graphql: ['graphql'],
	rest: ['rest', 'restful', 'rest api', 'rest apis', 'openapi'],
	grpc: ['grpc', 'protobuf', 'protocol buffers'],
	microservices: ['microservices', 'micro-services', 'microservice', 'service-oriented architecture'],
	docker: ['docker', 'containers', 'containerization', 'containerisation'],
	kubernetes: ['kubernetes', 'k8s'],
	helm: ['helm'],
	openshift: ['openshift'],
	terraform: ['terraform', 'opentofu'],
	'infrastructure as code': ['infrastructure as code', 'iac'],
	ansible: ['ansible'],
	aws: ['aws', 'amazon web services'],
	gcp: ['gcp', 'google cloud', 'google cloud platform'],
	azure: ['azure', 'microsoft azure'],
	linux: ['linux', 'unix'],
	bash: ['bash', 'shell scripting', 'shell scripts'],
	'ci/cd': ['ci/cd', 'continuous integration', 'continuous delivery', 'continuous deployment'],
	jenkins: ['jenkins'],
	'github actions': ['github actions'],
	'gitlab ci': ['gitlab ci', 'gitlab-ci'],
	git: ['git'],
	testing: ['testing', 'unit testing', 'automated testing', 'test automation', 'tdd', 'test-driven'],
	observability: ['observability', 'monitoring', 'opentelemetry', 'tracing'],
	prometheus: ['prometheus'],
	grafana: ['grafana'],
	'machine learning': ['machine learning', 'ml', 'deep learning', 'neural networks'],
	pytorch: ['pytorch', 'torch'],
	tensorflow: ['tensorflow', 'keras'],
	'data analysis': ['data analysis', 'data analytics', 'analytics'],
	pandas: ['pandas'],
	spark: ['spark', 'apache spark', 'pyspark'],
	airflow: ['airflow', 'apache airflow'],
	dbt: ['dbt'],
	'bi tools': ['bi tools', 'business intelligence'],
	tableau: ['tableau'],
	'power bi': ['power bi', 'powerbi'],
	looker: ['looker'],
	excel: ['excel', 'spreadsheets', 'google sheets'],
	figma: ['figma'],
	'ux design': ['ux', 'ux design', 'user experience', 'user research', 'usability testing', 'interaction design'],
	'ui design': ['ui', 'ui design', 'visual design', 'design systems', 'design system'],
	agile: ['agile'],
	scrum: ['scrum'],
	kanban: ['kanban'],
	jira: ['jira'],
	'project management': ['project management', 'pmp', 'prince2', 'programme management', 'program management'],
	'product management': ['product management', 'product roadmap', 'roadmapping', 'product discovery'],
	'stakeholder management': ['stakeholder management', 'stakeholders', 'stakeholder communication'],
	leadership: ['leadership', 'team lead', 'led a team', 'managed a team', 'people management', 'mentoring', 'mentored'],
	communication: ['communication', 'presentation skills', 'presenting', 'written communication'],
	negotiation: ['negotiation', 'negotiating', 'negotiated', 'negotiate'],
	sales: ['sales', 'selling'],
	'b2b sales': ['b2b sales', 'enterprise sales', 'saas sales', 'b2b saas seller', 'business-to-business sales'],
	'business development': ['business development', 'bizdev', 'new business'],
	crm: ['crm', 'customer relationship management'],
	salesforce: ['salesforce', 'sfdc', 'salesforce.com'],
	hubspot: ['hubspot'],
	pipedrive: ['pipedrive'],
	saas: ['saas', 'software as a service'],
	marketing: ['marketing', 'digital marketing', 'growth marketing'],
	seo: ['seo', 'search engine optimization', 'search engine optimisation'],
	'content marketing': ['content marketing', 'copywriting', 'content strategy'],
	recruiting: ['recruiting', 'recruitment', 'talent acquisition', 'headhunting'],
	'customer support': ['customer support', 'customer service', 'helpdesk', 'help desk'],
	zendesk: ['zendesk'],
	accounting: ['accounting', 'bookkeeping', 'accounts payable', 'accounts receivable'],
	ifrs: ['ifrs'],
	gaap: ['gaap', 'us gaap', 'hgb'],
	'financial modelling': ['financial modelling', 'financial modeling', 'fp&a', 'forecasting', 'budgeting'],
	sap: ['sap', 's/4hana', 'sap erp'],
	security: ['security', 'cybersecurity', 'infosec', 'application security', 'owasp'],
	'penetration testing': ['penetration testing', 'pentesting', 'pen testing'],
	networking: ['networking', 'tcp/ip', 'dns', 'vpn', 'firewalls'],
	english: ['english'],
	german: ['german', 'deutsch'],
	french: ['french', 'français'],
	spanish: ['spanish', 'español']
};

/**
 * Generic skills and the specific ones that satisfy them: asked for "CRM", a CV with Salesforce
 * fully meets it; asked for "Salesforce", a CV with HubSpot (a sibling) or only "CRM" partly does.
 */
export const SKILL_FAMILIES: Record<string, string[]> = {
	crm: ['salesforce', 'hubspot', 'pipedrive'],
	'ci/cd': ['jenkins', 'github actions', 'gitlab ci'],
	kubernetes: ['openshift', 'helm'],
	'infrastructure as code': ['terraform', 'ansible'],
	docker: ['kubernetes'],
	sql: ['postgresql', 'mysql', 'sql server', 'oracle'],
	observability: ['prometheus', 'grafana'],
	'machine learning': ['pytorch', 'tensorflow'],
	'data analysis': ['pandas', 'spark', 'sql'],
	'bi tools': ['tableau', 'power bi', 'looker'],
	css: ['sass', 'tailwind'],
	linux: ['bash'],
	agile: ['scrum', 'kanban'],
	javascript: ['typescript'],
	'customer support': ['zendesk'],
	accounting: ['ifrs', 'gaap'],
	security: ['penetration testing'],
	sales: ['b2b sales', 'business development'],
	'ux design': ['figma'],
	'ui design': ['figma']
};

/** Words job titles use for the same thing, each group interchangeable. */
export const TITLE_SYNONYMS: string[][] = [
	['engineer', 'developer', 'programmer', 'dev', 'swe'],
	['backend', 'back-end', 'back end', 'server-side', 'server side'],
	['frontend', 'front-end', 'front end', 'client-side', 'ui'],
	['fullstack', 'full-stack', 'full stack'],
	['devops', 'site reliability', 'sre', 'platform', 'infrastructure'],
	['manager', 'management'],
	['designer', 'ux', 'ui/ux', 'ux/ui'],
	['analyst', 'analytics'],
	['scientist', 'researcher'],
	['recruiter', 'talent acquisition', 'sourcer', 'talent partner'],
	['sales', 'account executive', 'business development'],
	['support', 'customer service', 'customer success'],
	['accountant', 'bookkeeper', 'finance'],
	['qa', 'quality assurance', 'test', 'tester', 'sdet'],
	['mobile', 'ios', 'android'],
	['data', 'bi', 'business intelligence']
];

/** Words that say how senior a title is, with the years of experience they usually mean. */
export const SENIORITY_WORDS: Record<string, number> = {
	intern: 0,
	internship: 0,
	trainee: 0,
	graduate: 0,
	junior: 0,
	jr: 0,
	associate: 1,
	mid: 2,
	intermediate: 2,
	senior: 5,
	sr: 5,
	lead: 6,
	staff: 8,
	principal: 9,
	architect: 8,
	head: 8,
	director: 10,
	vp: 12,
	chief: 15
};

const LOOKUP = new Map<string, string>();
for (const [canonical, aliases] of Object.entries(SKILL_SYNONYMS)) {
	LOOKUP.set(canonical, canonical);
	for (const alias of aliases) LOOKUP.set(alias.replace(/^=/, '').toLowerCase(), canonical);
}

/** Lower case, no surrounding punctuation, single spaces. */
export function normalizeSkill(skill: string): string {
	return skill
		.trim()
		.toLowerCase()
		.replace(/\s+/g, ' ')
		.replace(/^[^\p{L}\p{N}.#+]+|[^\p{L}\p{N}#+]+$/gu, '');
}

/** The canonical name of a skill ("Postgres" → "postgresql"), or the skill itself when unknown. */
export function canonicalSkill(skill: string): string {
	const normalized = normalizeSkill(skill);
	return LOOKUP.get(normalized) ?? normalized;
}

/** A skill's own spellings: the dictionary's synonyms, or variants of an unknown skill's name. */
function spellings(canonical: string, original: string): string[] {
	const known = SKILL_SYNONYMS[canonical];
	if (known) return [canonical, ...known];
	const base = normalizeSkill(original);
	const variants = new Set([base]);
	variants.add(base.replace(/[-.]/g, ' ').replace(/\s+/g, ' '));
	variants.add(base.replace(/[-. ]/g, ''));
	variants.add(base.replace(/\s+/g, '-'));
	return [...variants].filter((v) => v.length > 0);
}

/**
 * Every way of writing a skill that should count as it (`full`), and what only partly does
 * (`related`: its family's generic name and sibling tools). An alias starting with `=` must
 * match with its case ("Go", not the verb "go").
 */
export function skillAliases(skill: string): { full: string[]; related: string[] } {
	const canonical = canonicalSkill(skill);
	const full = new Set(spellings(canonical, skill));
	for (const member of SKILL_FAMILIES[canonical] ?? []) for (const a of spellings(member, member)) full.add(a);
	const related = new Set<string>();
	for (const [head, members] of Object.entries(SKILL_FAMILIES)) {
		if (!members.includes(canonical)) continue;
		for (const a of spellings(head, head)) related.add(a);
		for (const sibling of members) {
			if (sibling !== canonical) for (const a of spellings(sibling, sibling)) related.add(a);
		}
	}
	for (const a of full) related.delete(a);
	return { full: [...full], related: [...related] };
}
