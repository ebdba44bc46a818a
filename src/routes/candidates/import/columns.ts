/**
 * The import wizard's column mapping. The server maps a CSV column by its header name (or by the
 * name given for it in `mapping`); these are the names it understands, and the guess it makes,
 * so the wizard can show the mapping before anything is sent.
 */
export const IMPORT_FIELDS = [
	{ value: 'name', label: 'Full name' },
	{ value: 'first_name', label: 'First name' },
	{ value: 'last_name', label: 'Last name' },
	{ value: 'email', label: 'E-mail' },
	{ value: 'phone', label: 'Phone' },
	{ value: 'location', label: 'Location' },
	{ value: 'title', label: 'Current title' },
	{ value: 'company', label: 'Current company' },
	{ value: 'linkedin', label: 'LinkedIn' },
	{ value: 'github', label: 'GitHub' },
	{ value: 'portfolio', label: 'Portfolio' },
	{ value: 'source', label: 'Source' },
	{ value: 'tags', label: 'Tags' }
] as const;

/** A column mapped to this is left out of the import. */
export const IGNORE = 'ignore';

const ALIASES: Record<string, string> = {
	name: 'name',
	fullname: 'name',
	candidate: 'name',
	candidatename: 'name',
	firstname: 'first_name',
	givenname: 'first_name',
	lastname: 'last_name',
	surname: 'last_name',
	familyname: 'last_name',
	email: 'email',
	emails: 'email',
	emailaddress: 'email',
	phone: 'phone',
	phonenumber: 'phone',
	mobile: 'phone',
	telephone: 'phone',
	location: 'location',
	city: 'location',
	linkedin: 'linkedin',
	linkedinurl: 'linkedin',
	linkedinprofile: 'linkedin',
	github: 'github',
	githuburl: 'github',
	portfolio: 'portfolio',
	website: 'portfolio',
	portfoliourl: 'portfolio',
	title: 'title',
	currenttitle: 'title',
	jobtitle: 'title',
	position: 'title',
	company: 'company',
	currentcompany: 'company',
	employer: 'company',
	source: 'source',
	tags: 'tags',
	skills: 'tags'
};

/** The field the server would read a column as, from its header alone. */
export function guessField(header: string): string {
	return ALIASES[header.toLowerCase().replace(/[\s_\-.]/g, '')] ?? IGNORE;
}

/**
 * The first records of a CSV text (quotes, doubled quotes and line breaks inside quotes
 * understood; a byte-order mark dropped) — enough to show headers and an example row.
 */
export function previewCsv(text: string, maxRecords = 4): { records: string[][]; lines: number } {
	const source = text.replace(/^\ufeff/, '');
	const records: string[][] = [];
	let record: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < source.length && records.length < maxRecords; i++) {
		const ch = source[i];
		if (quoted) {
			if (ch === '"' && source[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (ch === '"') quoted = false;
			else cell += ch;
		} else if (ch === '"') quoted = true;
		else if (ch === ',') {
			record.push(cell);
			cell = '';
		} else if (ch === '\n' || ch === '\r') {
			if (ch === '\r' && source[i + 1] === '\n') i++;
			record.push(cell);
			if (record.some((c) => c.trim() !== '')) records.push(record);
			record = [];
			cell = '';
		} else cell += ch;
	}
	if (records.length < maxRecords && (cell !== '' || record.length > 0)) {
		record.push(cell);
		if (record.some((c) => c.trim() !== '')) records.push(record);
	}
	const lines = source.split(/\r?\n/).filter((l) => l.trim() !== '').length;
	return { records, lines };
}
