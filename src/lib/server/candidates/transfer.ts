import { and, desc, sql, type SQL } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import { can } from '../../permissions';
import { createCandidateInput, type CreateCandidateInput, type ListCandidatesQuery } from '../../schemas/candidates';
import { subjectOf, type Actor } from '../actor';
import { candidates, type Candidate } from '../db/schema';
import { AppError, Forbidden, ValidationFailed } from '../errors';
import { storeFile } from '../files/storage';
import { fieldIssues } from '../http/input';
import type { Runtime } from '../runtime';
import { importCandidatesJob } from '$worker/jobs/import-candidates';
import { candidateFilter, toPrefixQuery } from './list';
import { DuplicateCandidate, insertCandidate, insertCandidates } from './service';
import { insertApplication } from '../pipeline/service';
import { candidateVisibility, requirementInScope } from './visibility';

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

/** CSV column names (lower-cased, spaces/_/- ignored) → candidate fields. */
const HEADER_ALIASES: Record<string, keyof CreateCandidateInput | 'first_name' | 'last_name'> = {
	name: 'name',
	fullname: 'name',
	candidate: 'name',
	candidatename: 'name',
	firstname: 'first_name',
	givenname: 'first_name',
	lastname: 'last_name',
	surname: 'last_name',
	familyname: 'last_name',
	email: 'emails',
	emails: 'emails',
	emailaddress: 'emails',
	phone: 'phone',
	phonenumber: 'phone',
	mobile: 'phone',
	telephone: 'phone',
	location: 'location',
	city: 'location',
	linkedin: 'linkedin_url',
	linkedinurl: 'linkedin_url',
	linkedinprofile: 'linkedin_url',
	github: 'github_url',
	githuburl: 'github_url',
	portfolio: 'portfolio_url',
	website: 'portfolio_url',
	portfoliourl: 'portfolio_url',
	title: 'current_title',
	currenttitle: 'current_title',
	jobtitle: 'current_title',
	position: 'current_title',
	company: 'current_company',
	currentcompany: 'current_company',
	employer: 'current_company',
	source: 'source',
	tags: 'tags',
	skills: 'tags'
};

export type ColumnField = (typeof HEADER_ALIASES)[string];

const canonical = (header: string) => header.toLowerCase().replace(/[\s_\-.]/g, '');

/** Which field each CSV column feeds: an explicit mapping first, else the header's name. */
export function mapColumns(headers: string[], mapping: Record<string, string> = {}): Array<ColumnField | null> {
	return headers.map((h) => {
		const explicit = mapping[h];
		if (explicit) return (HEADER_ALIASES[canonical(explicit)] ?? null) as ColumnField | null;
		return HEADER_ALIASES[canonical(h)] ?? null;
	});
}

/** One CSV row → candidate input (not yet validated). */
export function rowToInput(row: string[], fields: Array<ColumnField | null>): Record<string, unknown> {
	const out: Record<string, unknown> = { source: 'import' };
	let first = '';
	let last = '';
	fields.forEach((field, i) => {
		const value = (row[i] ?? '').trim();
		if (!field || !value) return;
		if (field === 'first_name') first = value;
		else if (field === 'last_name') last = value;
		else if (field === 'emails') out.emails = value.split(/[;,\s]+/).filter(Boolean);
		else if (field === 'tags')
			out.tags = value
				.split(/[;,|]+/)
				.map((t) => t.trim())
				.filter(Boolean);
		else out[field] = value;
	});
	if (!out.name && (first || last)) out.name = `${first} ${last}`.trim();
	return out;
}

export interface ImportReport {
	total: number;
	imported: number;
	failed: Array<{ line: number; reason: string }>;
	duplicates: Array<{ line: number; reason: string; matchId: string | null }>;
}

/**
 * Parses a CSV upload: header row + rows with the line each starts on (1-based, header = line 1;
 * a quoted cell may span lines, and the parser counts a record at its last line).
 */
export function parseCsv(bytes: Uint8Array): { headers: string[]; rows: Array<{ line: number; cells: string[] }> } {
	const records = parse(Buffer.from(bytes), {
		bom: true,
		relax_column_count: true,
		skip_empty_lines: true,
		info: true,
		raw: true
	}) as unknown as Array<{ record: string[]; info: { lines: number }; raw: string }>;
	if (records.length === 0) throw new ValidationFailed([{ field: 'file', message: 'The CSV file is empty' }]);
	const startLine = (r: (typeof records)[number]) => {
		// `raw` holds the skipped empty lines before the record and its line break: neither counts.
		const body = r.raw.replace(/\r?\n$/, '').replace(/^(\r?\n)+/, '');
		return r.info.lines - (body.match(/\n/g)?.length ?? 0);
	};
	const [header, ...rest] = records;
	return { headers: header.record, rows: rest.map((r) => ({ line: startLine(r), cells: r.record })) };
}

/** The SQLSTATE of a database error (drizzle wraps the driver's error as `cause`). */
function sqlState(err: unknown): string | null {
	for (let e: unknown = err; e instanceof Error; e = e.cause) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
	}
	return null;
}

/** Whether the database refused this row's data (data exception, constraint), not the import. */
function isRowDataError(err: unknown): boolean {
	const state = sqlState(err);
	return state !== null && (state.startsWith('22') || state.startsWith('23'));
}

/**
 * Imports rows into an open job: a bad row is reported with its line number and reason and leaves
 * nothing behind, duplicates are reported, not created; rows are committed in chunks, each
 * inserted set-based (one statement per table) and retried row by row in savepoints only when
 * the database refuses one of its rows. With `requirementId`, imported candidates join
 * that pipeline.
 */
export async function importRows(
	rt: Runtime,
	actor: Actor,
	parsed: ReturnType<typeof parseCsv>,
	options: {
		mapping?: Record<string, string>;
		requirementId?: string | null;
		onProgress?: (done: number, total: number) => Promise<void>;
	}
): Promise<ImportReport> {
	const fields = mapColumns(parsed.headers, options.mapping);
	if (!fields.includes('name') && !(fields.includes('first_name') || fields.includes('last_name'))) {
		throw new ValidationFailed([
			{ field: 'file', message: 'The CSV needs a "name" column (or "first name" and "last name")' }
		]);
	}
	const report: ImportReport = { total: parsed.rows.length, imported: 0, failed: [], duplicates: [] };
	// Rows are committed in chunks (one transaction each, a savepoint per row); progress is told
	// after each, so a small file still reports progress in steps and a large one stays fast.
	const CHUNK = Math.min(200, Math.max(5, Math.ceil(parsed.rows.length / 20)));
	for (let start = 0; start < parsed.rows.length; start += CHUNK) {
		const chunk = parsed.rows.slice(start, start + CHUNK);
		const afterCommits: Array<() => Promise<void> | void> = [];
		await rt.db.transaction(async (tx) => {
			// Validation first: a row that is not a candidate is reported and never sent.
			const valid: Array<{ line: number; input: CreateCandidateInput }> = [];
			for (const row of chunk) {
				if (row.cells.some((cell) => cell.includes('\u0000'))) {
					report.failed.push({ line: row.line, reason: 'The row holds a NUL character: it is not text' });
					continue;
				}
				const result = createCandidateInput.safeParse(rowToInput(row.cells, fields));
				if (!result.success) {
					report.failed.push({
						line: row.line,
						reason: fieldIssues(result.error)
							.map((i) => `${i.field}: ${i.message}`)
							.join('; ')
					});
					continue;
				}
				valid.push({ line: row.line, input: result.data });
			}
			// Without a pipeline to join, the chunk's candidates go in set-based: a handful of
			// statements for the chunk instead of 7–8 a row. If the database refuses any row, the
			// chunk's savepoint is rolled back and its rows are retried one by one below, so the
			// refused row is found and reported with its line and the others are imported.
			if (!options.requirementId && valid.length > 0) {
				const batchAfterCommits: Array<() => Promise<void> | void> = [];
				try {
					const outcomes = await tx.transaction((sp) =>
						insertCandidates(
							sp,
							rt,
							(cb) => batchAfterCommits.push(cb),
							actor,
							valid.map((v) => v.input),
							{ via: 'import' }
						)
					);
					outcomes.forEach((outcome, i) => {
						if ('created' in outcome) report.imported++;
						else
							report.duplicates.push({
								line: valid[i].line,
								reason: outcome.duplicate.message,
								matchId: outcome.duplicate.shown[0]?.id ?? null
							});
					});
					afterCommits.push(...batchAfterCommits);
					return;
				} catch (err) {
					if (!isRowDataError(err)) throw err;
					rt.logger.info({ err }, 'a set-based import chunk was refused: retrying it row by row');
				}
			}
			for (const row of valid) {
				try {
					// Work for after COMMIT (live events, board mirrors) counts only once the row's
					// savepoint held: a row rolled back announces nothing.
					const rowAfterCommits: Array<() => Promise<void> | void> = [];
					const later = (cb: () => Promise<void> | void) => rowAfterCommits.push(cb);
					await tx.transaction(async (sp) => {
						const candidate = await insertCandidate(sp, rt, later, actor, row.input, { via: 'import' });
						if (options.requirementId) {
							await insertApplication(sp, rt, later, actor, options.requirementId, candidate.id, { via: 'api' });
						}
					});
					afterCommits.push(...rowAfterCommits);
					report.imported++;
				} catch (err) {
					if (err instanceof DuplicateCandidate) {
						report.duplicates.push({ line: row.line, reason: err.message, matchId: err.shown[0]?.id ?? null });
					} else if (err instanceof AppError) {
						report.failed.push({
							line: row.line,
							reason: err.details?.length ? err.details.map((d) => `${d.field}: ${d.message}`).join('; ') : err.message
						});
					} else if (isRowDataError(err)) {
						// The row's savepoint was rolled back: nothing of it stays.
						rt.logger.warn({ err, line: row.line }, 'an imported row was refused by the database');
						report.failed.push({ line: row.line, reason: "The database refused this row's data" });
					} else throw err;
				}
			}
		});
		// Reported in file order, whichever path found them.
		report.failed.sort((a, b) => a.line - b.line);
		report.duplicates.sort((a, b) => a.line - b.line);
		for (const cb of afterCommits) {
			try {
				await cb();
			} catch (err) {
				rt.logger.warn({ err }, 'after-commit work of an import failed');
			}
		}
		await options.onProgress?.(Math.min(start + CHUNK, parsed.rows.length), parsed.rows.length);
		// Let the process answer others between chunks: on PGlite every query runs on this thread
		// and resolves as a microtask, so without this an import would hold the event loop (the
		// whole app, in embedded mode) until its last row.
		await new Promise((resolve) => setImmediate(resolve));
	}
	return report;
}

/** `POST /candidates/import`: stores the CSV and starts the import job (202 with its id). */
export async function startImport(
	rt: Runtime,
	actor: Actor,
	file: { bytes: Uint8Array; name: string },
	options: { mapping?: Record<string, string>; requirementId?: string | null }
) {
	if (!can(subjectOf(actor), 'create', 'candidate') || !actor.userId)
		throw new Forbidden('Only recruiters and admins import candidates');
	// Candidates join only a pipeline the caller sees (their departments, or their own requirement).
	if (options.requirementId && !(await requirementInScope(rt.db, actor, options.requirementId)))
		throw new Forbidden('This requirement is outside your departments');
	if (file.bytes.byteLength > MAX_IMPORT_BYTES)
		throw new ValidationFailed([{ field: 'file', message: 'The file is larger than 10 MB' }]);
	if (
		!/\.csv$/i.test(file.name) &&
		!/^[\s\S]{0,2000}[,;\t]/.test(Buffer.from(file.bytes.subarray(0, 2000)).toString('utf8'))
	) {
		throw new ValidationFailed([{ field: 'file', message: 'Upload a CSV file' }]);
	}
	// Fail fast on a file without a usable header.
	const parsed = parseCsv(file.bytes);
	const fields = mapColumns(parsed.headers, options.mapping);
	if (!fields.includes('name') && !fields.includes('first_name') && !fields.includes('last_name')) {
		throw new ValidationFailed([
			{ field: 'file', message: 'The CSV needs a "name" column (or "first name" and "last name")' }
		]);
	}
	const stored = await storeFile(rt.config.DATA_DIR, file.bytes);
	return rt.jobs.enqueue(
		importCandidatesJob,
		{
			fileHash: stored.hash,
			mapping: options.mapping ?? {},
			requirementId: options.requirementId ?? null,
			userId: actor.userId
		},
		{ createdBy: actor.userId }
	);
}

const EXPORT_COLUMNS: Array<[string, (c: Candidate) => string]> = [
	['id', (c) => c.id],
	['name', (c) => c.name],
	['emails', (c) => c.emails.join('; ')],
	['phone', (c) => c.phone ?? ''],
	['location', (c) => c.location ?? ''],
	['linkedin_url', (c) => c.linkedinUrl ?? ''],
	['github_url', (c) => c.githubUrl ?? ''],
	['portfolio_url', (c) => c.portfolioUrl ?? ''],
	['current_title', (c) => c.currentTitle ?? ''],
	['current_company', (c) => c.currentCompany ?? ''],
	['source', (c) => c.source],
	['tags', (c) => c.tags.join('; ')],
	['created_at', (c) => c.createdAt.toISOString()]
];

/** One CSV cell: quoted when needed; a leading = + - @ is neutralised (spreadsheet formula injection). */
export function csvCell(value: string): string {
	const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
	return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The filtered candidate list as CSV, streamed page by page (keyset pagination): memory stays
 * flat whatever the number of candidates.
 */
export function exportCandidatesCsv(
	rt: Runtime,
	actor: Actor,
	q: Omit<ListCandidatesQuery, 'page' | 'page_size'>
): ReadableStream<Uint8Array> {
	if (!can(subjectOf(actor), 'list', 'candidate')) throw new Forbidden();
	const tsquery = q.q ? toPrefixQuery(q.q) : null;
	// The caller's candidate visibility, read once when the stream starts.
	let base: SQL | undefined;
	const encoder = new TextEncoder();
	// The cursor keeps created_at as Postgres prints it (microseconds): a JS Date holds only
	// milliseconds, and rows sharing a millisecond (an import chunk shares one instant) would
	// be skipped after a page boundary.
	let cursor: { createdAt: string; id: string } | null = null;
	let headerSent = false;
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			if (!headerSent) {
				headerSent = true;
				base = candidateFilter(q, tsquery, await candidateVisibility(rt.db, actor));
				controller.enqueue(encoder.encode('\ufeff' + EXPORT_COLUMNS.map(([h]) => h).join(',') + '\r\n'));
				return;
			}
			const after: SQL | undefined = cursor
				? sql`(${candidates.createdAt}, ${candidates.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`
				: undefined;
			const rows = await rt.db
				.select({ c: candidates, cursor: sql<string>`${candidates.createdAt}::text` })
				.from(candidates)
				.where(and(base, after))
				.orderBy(desc(candidates.createdAt), desc(candidates.id))
				.limit(500);
			if (rows.length === 0) {
				controller.close();
				return;
			}
			const last = rows[rows.length - 1];
			cursor = { createdAt: last.cursor, id: last.c.id };
			controller.enqueue(
				encoder.encode(
					rows.map(({ c }) => EXPORT_COLUMNS.map(([, get]) => csvCell(get(c))).join(',')).join('\r\n') + '\r\n'
				)
			);
		}
	});
}
