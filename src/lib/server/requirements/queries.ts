import { and, asc, count, desc, eq, getTableColumns, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { ListRequirementsQuery } from '../../schemas/requirements';
import type { Executor } from '../db/client';
import { departments, jobLevels, requirements, users, type Requirement } from '../db/schema';
import { requirementReference } from '../../domain/requirements';
import type { Page } from '../http/envelope';

const manager = alias(users, 'manager');
const creator = alias(users, 'creator');

/** A requirement with the names the pages and the API show next to its ids. */
export type RequirementView = Omit<Requirement, 'searchVector'> & {
	reference: string;
	departmentName: string;
	jobLevelName: string | null;
	hiringManagerName: string;
	createdByName: string;
};

// Every column but the search vector: it is only ever matched in SQL, and fetching it made each
// row several hundred bytes wider for nothing.
const { searchVector: _searchVector, ...requirementColumns } = getTableColumns(requirements);

const viewColumns = {
	r: requirementColumns,
	departmentName: departments.name,
	jobLevelName: jobLevels.name,
	hiringManagerName: manager.name,
	createdByName: creator.name
};

function baseView(db: Executor) {
	return db
		.select(viewColumns)
		.from(requirements)
		.innerJoin(departments, eq(departments.id, requirements.departmentId))
		.leftJoin(jobLevels, eq(jobLevels.id, requirements.jobLevelId))
		.innerJoin(manager, eq(manager.id, requirements.hiringManagerId))
		.innerJoin(creator, eq(creator.id, requirements.createdBy));
}

function toView(row: {
	r: Omit<Requirement, 'searchVector'>;
	departmentName: string;
	jobLevelName: string | null;
	hiringManagerName: string;
	createdByName: string;
}): RequirementView {
	const r = row.r;
	return {
		...r,
		reference: requirementReference(r.number),
		departmentName: row.departmentName,
		jobLevelName: row.jobLevelName,
		hiringManagerName: row.hiringManagerName,
		createdByName: row.createdByName
	};
}

export async function findRequirementView(db: Executor, id: string): Promise<RequirementView | null> {
	const [row] = await baseView(db).where(and(eq(requirements.id, id), isNull(requirements.deletedAt)));
	return row ? toView(row) : null;
}

/** The text search: words of the query matched as prefixes against title, city, description, justification. */
export function searchCondition(q: string): SQL | undefined {
	const words = q
		.toLowerCase()
		.split(/[^\p{L}\p{N}]+/u)
		.filter((w) => w.length > 0)
		.slice(0, 8);
	if (words.length === 0) return undefined;
	const tsquery = words.map((w) => `${w}:*`).join(' & ');
	const reference = /^req-?0*(\d+)$/i.exec(q.trim());
	const matches = sql`${requirements.searchVector} @@ to_tsquery('simple', ${tsquery})`;
	return reference ? or(matches, eq(requirements.number, Number(reference[1]))) : matches;
}

/**
 * Requirements by filters (status, department, hiring manager, text), paginated; `visible` is the
 * caller's department visibility (`visibleRequirementCondition`), if they are limited.
 */
export async function queryRequirements(
	db: Executor,
	q: ListRequirementsQuery,
	visible?: SQL
): Promise<Page<RequirementView>> {
	const conditions: SQL[] = [isNull(requirements.deletedAt)];
	if (visible) conditions.push(visible);
	if (q.status?.length) conditions.push(inArray(requirements.status, q.status));
	if (q.department_id) conditions.push(eq(requirements.departmentId, q.department_id));
	if (q.hiring_manager_id) conditions.push(eq(requirements.hiringManagerId, q.hiring_manager_id));
	if (q.q) {
		const search = searchCondition(q.q);
		if (search) conditions.push(search);
	}
	const where = and(...conditions);
	const order =
		q.sort === 'created_asc'
			? [asc(requirements.createdAt)]
			: q.sort === 'title'
				? [asc(requirements.title)]
				: q.sort === 'start_date'
					? [sql`${requirements.targetStartDate} asc nulls last`]
					: [desc(requirements.createdAt)];
	// One round trip: the page is chosen on the requirements table alone (narrow rows, sorted,
	// limited, with the total as a window count), and only its rows are joined with the names.
	// Joining first made the database join and sort every matching row at full width before
	// keeping 20, and the separate count was a third query.
	const page = db.$with('page').as(
		db
			.select({ id: requirements.id, total: sql<number>`count(*) over ()`.as('total') })
			.from(requirements)
			.where(where)
			.orderBy(...order, asc(requirements.id))
			.limit(q.page_size)
			.offset((q.page - 1) * q.page_size)
	);
	const rows = await db
		.with(page)
		.select({ ...viewColumns, total: page.total })
		.from(page)
		.innerJoin(requirements, eq(requirements.id, page.id))
		.innerJoin(departments, eq(departments.id, requirements.departmentId))
		.leftJoin(jobLevels, eq(jobLevels.id, requirements.jobLevelId))
		.innerJoin(manager, eq(manager.id, requirements.hiringManagerId))
		.innerJoin(creator, eq(creator.id, requirements.createdBy))
		.orderBy(...order, asc(requirements.id));
	// Past the last page there is no row to carry the total: count on its own then.
	const total =
		rows.length > 0
			? Number(rows[0].total)
			: (await db.select({ total: count() }).from(requirements).where(where))[0].total;
	return { items: rows.map(toView), total, page: q.page, pageSize: q.page_size };
}
