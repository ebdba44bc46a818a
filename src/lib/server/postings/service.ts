import { and, asc, count, desc, eq, gte, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { requirementReference } from '../../domain/requirements';
import { SYSTEM_ACTOR } from '../actor';
import { recordAudit } from '../audit/audit';
import { selectRows, type Executor } from '../db/client';
import { inTransaction } from '../db/transaction';
import { departments, inboundApplications, jobLevels, requirements } from '../db/schema';
import { NotFound, TooManyRequests } from '../errors';
import { detectDocumentType, MAX_UPLOAD_BYTES, MIME_TYPES, storeFile } from '../files/storage';
import type { Runtime } from '../runtime';
import { emailField, nameField } from '../../schemas/users';
import { ValidationFailed, PayloadTooLarge } from '../errors';
import { fieldIssues } from '../http/input';
import { admitInboundApplication } from '../candidates/inbound';

/** A published posting as the public sees it (no internal fields). */
export interface Posting {
	id: string;
	reference: string;
	title: string;
	departmentName: string;
	jobLevelName: string | null;
	employmentType: string;
	remotePolicy: string;
	locationCity: string | null;
	locationCountry: string | null;
	salaryMin: number | null;
	salaryMax: number | null;
	currency: string | null;
	descriptionHtml: string;
	descriptionText: string;
	publishedAt: Date;
	validThrough: string | null;
	updatedAt: Date;
}

/** Published, open, not expired, not deleted: the only requirements the public ever sees. */
function livePosting(): SQL {
	return and(
		eq(requirements.published, true),
		eq(requirements.status, 'open'),
		isNull(requirements.deletedAt),
		or(isNull(requirements.postingValidThrough), gte(requirements.postingValidThrough, sql`current_date`))
	) as SQL;
}

const columns = {
	id: requirements.id,
	number: requirements.number,
	title: requirements.title,
	departmentName: departments.name,
	jobLevelName: jobLevels.name,
	employmentType: requirements.employmentType,
	remotePolicy: requirements.remotePolicy,
	locationCity: requirements.locationCity,
	locationCountry: requirements.locationCountry,
	salaryMin: requirements.salaryMin,
	salaryMax: requirements.salaryMax,
	currency: requirements.currency,
	descriptionHtml: requirements.descriptionHtml,
	descriptionText: requirements.descriptionText,
	publishedAt: requirements.publishedAt,
	openedAt: requirements.openedAt,
	validThrough: requirements.postingValidThrough,
	updatedAt: requirements.updatedAt
};

type Row = { [K in keyof typeof columns]: (typeof columns)[K]['_']['data'] | null } & {
	id: string;
	number: number;
	title: string;
};

function toPosting(r: Row): Posting {
	return {
		id: r.id,
		reference: requirementReference(r.number),
		title: r.title,
		departmentName: r.departmentName ?? '',
		jobLevelName: r.jobLevelName,
		employmentType: r.employmentType ?? 'full_time',
		remotePolicy: r.remotePolicy ?? 'onsite',
		locationCity: r.locationCity,
		locationCountry: r.locationCountry,
		salaryMin: r.salaryMin,
		salaryMax: r.salaryMax,
		currency: r.currency,
		descriptionHtml: r.descriptionHtml ?? '',
		descriptionText: r.descriptionText ?? '',
		publishedAt: r.publishedAt ?? r.openedAt ?? new Date(0),
		validThrough: r.validThrough,
		updatedAt: r.updatedAt ?? new Date(0)
	};
}

export const postingFilter = z.object({
	department: z.string().uuid().optional().catch(undefined),
	location: z.string().trim().max(100).optional().catch(undefined),
	q: z.string().trim().max(100).optional().catch(undefined)
});
export type PostingFilter = z.infer<typeof postingFilter>;

/** Published postings, newest first, filtered by department and location (city, country or "remote"). */
export async function listPostings(rt: Runtime, filter: PostingFilter = {}): Promise<Posting[]> {
	const conditions: SQL[] = [livePosting()];
	if (filter.department) conditions.push(eq(requirements.departmentId, filter.department));
	if (filter.location) {
		if (filter.location.toLowerCase() === 'remote') conditions.push(eq(requirements.remotePolicy, 'remote'));
		else {
			const pattern = `%${filter.location.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
			conditions.push(
				or(ilike(requirements.locationCity, pattern), ilike(requirements.locationCountry, filter.location)) as SQL
			);
		}
	}
	if (filter.q) {
		const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
		conditions.push(ilike(requirements.title, pattern));
	}
	const rows = await rt.db
		.select(columns)
		.from(requirements)
		.innerJoin(departments, eq(departments.id, requirements.departmentId))
		.leftJoin(jobLevels, eq(jobLevels.id, requirements.jobLevelId))
		.where(and(...conditions))
		.orderBy(desc(requirements.publishedAt), asc(requirements.title));
	return rows.map((r) => toPosting(r as Row));
}

/** One published posting, or 404 (unpublished, filled, expired and drafts are all "not found"). */
export async function getPosting(rt: Runtime, id: string): Promise<Posting> {
	const [row] = await rt.db
		.select(columns)
		.from(requirements)
		.innerJoin(departments, eq(departments.id, requirements.departmentId))
		.leftJoin(jobLevels, eq(jobLevels.id, requirements.jobLevelId))
		.where(and(eq(requirements.id, id), livePosting()));
	if (!row) throw new NotFound('Job posting');
	return toPosting(row as Row);
}

/** The departments and locations that have postings (the careers page filters). */
export async function postingFacets(rt: Runtime) {
	const postings = await listPostings(rt);
	const departmentsById = new Map<string, string>();
	const rows = await rt.db
		.select({ id: departments.id, name: departments.name })
		.from(requirements)
		.innerJoin(departments, eq(departments.id, requirements.departmentId))
		.where(livePosting())
		.groupBy(departments.id, departments.name);
	for (const r of rows) departmentsById.set(r.id, r.name);
	const locations = new Set<string>();
	for (const p of postings) {
		if (p.locationCity) locations.add(p.locationCity);
		if (p.remotePolicy === 'remote') locations.add('Remote');
	}
	return {
		departments: [...departmentsById].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)),
		locations: [...locations].sort()
	};
}

export const CONSENT_TEXT =
	'I agree that my application and CV are stored and processed to assess it for this and similar positions, for up to 12 months.';

/** Applications accepted per address per hour from the public form. */
export const APPLY_LIMIT_PER_HOUR = 5;

const applicationFields = z.object({
	name: nameField,
	email: emailField,
	phone: z
		.string()
		.trim()
		.max(40)
		.regex(/^[+0-9 ().-]*$/, 'Use digits, spaces and + ( ) - only')
		.optional()
		.transform((v) => (v ? v : null)),
	consent: z.literal('yes', { error: 'Please agree to the processing of your application' })
});

/**
 * At most APPLY_LIMIT_PER_HOUR applications an hour per address. Applications whose address is
 * unknown (behind a proxy with TRUST_PROXY set, a request that came round it without the
 * forwarded header) share ONE bucket, so a missing address never means no limit.
 */
async function assertUnderApplyLimit(db: Executor, ip: string | null): Promise<void> {
	const [recent] = await db
		.select({ n: count() })
		.from(inboundApplications)
		.where(
			and(
				ip === null ? isNull(inboundApplications.ip) : eq(inboundApplications.ip, ip),
				gte(inboundApplications.createdAt, sql`now() - interval '1 hour'`)
			)
		);
	if (recent.n >= APPLY_LIMIT_PER_HOUR) {
		throw new TooManyRequests('Too many applications from your network; please try again in an hour.', 3600);
	}
}

/**
 * A candidate applies from the careers page: name, e-mail, phone, CV (PDF or DOCX, ≤ 10 MB,
 * content checked) and consent. Stored as a pending inbound application with the CV under
 * DATA_DIR/files; rate-limited per address (see assertUnderApplyLimit).
 */
export async function applyToPosting(rt: Runtime, postingId: string, form: FormData, ip: string | null) {
	await getPosting(rt, postingId);
	// Early, before reading the file; counted again below where it cannot race.
	await assertUnderApplyLimit(rt.db, ip);
	const parsed = applicationFields.safeParse({
		name: form.get('name') ?? '',
		email: form.get('email') ?? '',
		phone: form.get('phone') ?? undefined,
		consent: form.get('consent') ?? ''
	});
	const issues = parsed.success ? [] : fieldIssues(parsed.error);
	const cv = form.get('cv');
	if (!(cv instanceof File) || cv.size === 0) issues.push({ field: 'cv', message: 'Attach your CV (PDF or Word)' });
	if (issues.length || !parsed.success || !(cv instanceof File)) throw new ValidationFailed(issues);
	if (cv.size > MAX_UPLOAD_BYTES) throw new PayloadTooLarge(MAX_UPLOAD_BYTES);
	const bytes = new Uint8Array(await cv.arrayBuffer());
	const type = detectDocumentType(bytes, cv.name, cv.type || undefined);
	const stored = await storeFile(rt.config.DATA_DIR, bytes);
	return inTransaction(rt.db, async (tx, afterCommit) => {
		// A burst of simultaneous posts from one address is counted one at a time (each would
		// otherwise see the same count before any of them is inserted).
		await selectRows(tx, sql`select pg_advisory_xact_lock(hashtext(${`careers-apply:${ip ?? 'unknown'}`}))`);
		await assertUnderApplyLimit(tx, ip);
		const [row] = await tx
			.insert(inboundApplications)
			.values({
				requirementId: postingId,
				name: parsed.data.name,
				email: parsed.data.email,
				phone: parsed.data.phone,
				fileHash: stored.hash,
				fileName: cv.name.slice(0, 200),
				fileSize: stored.size,
				mimeType: MIME_TYPES[type],
				consentAt: new Date(),
				consentText: CONSENT_TEXT,
				ip
			})
			.returning();
		await recordAudit(
			tx,
			{ ...SYSTEM_ACTOR, ip },
			{
				action: 'inbound_application.received',
				entityType: 'requirement',
				entityId: postingId,
				metadata: { inbound_application_id: row.id, file_hash: stored.hash }
			}
		);
		// Into the pipeline at once, as a candidate in `applied` (known people are not doubled).
		const admitted = await admitInboundApplication(tx, rt, afterCommit, row);
		return { ...row, ...admitted };
	});
}
