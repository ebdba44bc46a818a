import { and, sql, type SQL } from 'drizzle-orm';
import { CANDIDATE_SOURCES, DEFAULT_STAGES } from '../../domain/candidates';
import { OFFER_STATUSES, INTERVIEW_STATUSES } from '../../domain/interviews';
import { REQUIREMENT_STATUSES } from '../../domain/requirements';
import { can } from '../../permissions';
import { subjectOf, type Actor } from '../actor';
import { selectRows, type Executor } from '../db/client';
import { requirements } from '../db/schema';
import { Forbidden } from '../errors';
import type { Runtime } from '../runtime';
import { departmentScope, requirementScopeCondition } from '../scope/departments';
import type {
	InterviewsReport,
	OffersReport,
	PipelineReport,
	ReportKind,
	Reports,
	RequirementsReport,
	SourcesReport,
	TimeToHireReport
} from '../../schemas/reports';

type Num = number | null;

/**
 * Reports for the hiring team. Every figure is computed in SQL over the requirements the caller
 * sees (department scope: `requirementScopeCondition`), narrowed by the filters: a department
 * (with the departments under it), one requirement, and a period of calendar days (UTC, both
 * ends included). What the period applies to is said per report.
 */

export interface ReportFilter {
	departmentId?: string;
	requirementId?: string;
	/** YYYY-MM-DD, included. */
	from?: string;
	/** YYYY-MM-DD, included. */
	to?: string;
}

const DAY_SECONDS = 86_400;

/** The days between two timestamps, as SQL. */
const daysBetween = (start: SQL, end: SQL) => sql`(extract(epoch from (${end} - ${start})) / ${DAY_SECONDS})`;

/** Rounds to one decimal (null stays null). */
function round1(value: unknown): Num {
	if (value === null || value === undefined) return null;
	const n = Number(value);
	return Number.isFinite(n) ? Math.round(n * 10) / 10 : null;
}

function int(value: unknown): number {
	return Number(value ?? 0);
}

function ratio(part: number, whole: number): Num {
	return whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null;
}

/** `column` falls in the filter's period (UTC days, both ends included). */
function inPeriod(column: SQL, f: ReportFilter): SQL {
	const parts: SQL[] = [sql`true`];
	if (f.from) parts.push(sql`${column} >= (${f.from}::date::timestamp at time zone 'UTC')`);
	if (f.to) parts.push(sql`${column} < ((${f.to}::date + 1)::timestamp at time zone 'UTC')`);
	return sql.join(parts, sql` and `);
}

/**
 * The common start of every report query: `dept_tree` (the filtered department and those under
 * it) and `req`, the requirements in the report — seen by the caller and matching the filters.
 */
async function requirementSet(db: Executor, actor: Actor, f: ReportFilter): Promise<SQL> {
	const scope = await departmentScope(db, actor);
	const conditions: Array<SQL | undefined> = [
		sql`${requirements.deletedAt} is null`,
		requirementScopeCondition(scope, actor)
	];
	if (f.departmentId) conditions.push(sql`${requirements.departmentId} in (select id from dept_tree)`);
	if (f.requirementId) conditions.push(sql`${requirements.id} = ${f.requirementId}::uuid`);
	return sql`with recursive dept_tree as (
		select id from departments where id = ${f.departmentId ?? null}::uuid
		union
		select d.id from departments d join dept_tree t on d.parent_id = t.id
	), req as (
		select ${requirements.id} as id, ${requirements.departmentId} as department_id, ${requirements.status} as status,
			${requirements.headcount} as headcount, ${requirements.title} as title, ${requirements.number} as number,
			${requirements.submittedAt} as submitted_at, ${requirements.approvedAt} as approved_at,
			${requirements.openedAt} as opened_at, ${requirements.filledAt} as filled_at,
			${requirements.targetStartDate} as target_start_date, ${requirements.createdAt} as created_at
		from ${requirements} where ${and(...conditions)}
	)`;
}

/** Reports are for the roles that may read them (403 otherwise). */
export function assertCanRead(actor: Actor) {
	if (!can(subjectOf(actor), 'read', 'report')) throw new Forbidden();
}

const stageValues = sql.join(
	DEFAULT_STAGES.map((s, i) => sql`(${s.key}::text, ${i}::int)`),
	sql`, `
);

/**
 * The funnel over the default stages for the applications created in the period: how many
 * reached each stage (stage history: an application that entered at stage A and got as far as
 * stage C passed every stage from A to C), how many are in it now, and the share of those that
 * reached the previous stage that went on to it; rejected and withdrawn ones with the rejection reasons.
 */
export async function pipelineReport(rt: Runtime, actor: Actor, f: ReportFilter): Promise<PipelineReport> {
	assertCanRead(actor);
	const base = await requirementSet(rt.db, actor, f);
	const appsCte = sql`apps as (
		select a.id, a.stage, a.rejection_reason from applications a join req on req.id = a.requirement_id
		where a.deleted_at is null and ${inPeriod(sql`a.created_at`, f)}
	)`;
	const stages = await selectRows<{ key: string; reached: number; passed: number; current: number }>(
		rt.db,
		sql`${base}, ${appsCte}, stages(key, idx) as (values ${stageValues}),
		reach as (
			select h.application_id, min(s.idx) as lo, max(s.idx) as hi
			from application_stage_history h join apps on apps.id = h.application_id join stages s on s.key = h.to_stage
			group by h.application_id
		)
		select s.key,
			(select count(*) from reach where reach.lo <= s.idx and s.idx <= reach.hi)::int as reached,
			(select count(*) from reach where reach.lo <= s.idx - 1 and s.idx <= reach.hi)::int as passed,
			(select count(*) from apps where apps.stage = s.key)::int as current
		from stages s order by s.idx`
	);
	const totals = await selectRows<{ stage: string; reason: string | null; count: number }>(
		rt.db,
		sql`${base}, ${appsCte}
		select '_all' as stage, null as reason, count(*)::int as count from apps
		union all
		select stage, case when stage = 'rejected' then rejection_reason end as reason, count(*)::int as count
		from apps where stage in ('rejected', 'withdrawn') group by 2, 1`
	);
	const byKey = new Map(stages.map((s) => [s.key, s]));
	let previous: number | null = null;
	const out = DEFAULT_STAGES.map((stage) => {
		const row = byKey.get(stage.key);
		const reached = int(row?.reached);
		// Of those that reached the previous stage, the share that went on to this one (an
		// application added at a later stage never was in the earlier ones).
		const conversion = previous === null ? null : ratio(int(row?.passed), previous);
		previous = reached;
		return { key: stage.key, label: stage.label, reached, current: int(row?.current), conversion };
	});
	const sum = (stage: string) => totals.filter((t) => t.stage === stage).reduce((n, t) => n + int(t.count), 0);
	return {
		applications: sum('_all'),
		stages: out,
		rejected: sum('rejected'),
		withdrawn: sum('withdrawn'),
		rejection_reasons: totals
			.filter((t) => t.stage === 'rejected')
			.map((t) => ({ reason: t.reason, count: int(t.count) }))
			.sort((a, b) => b.count - a.count || String(a.reason).localeCompare(String(b.reason)))
	};
}

/** Time to hire for the hires in the period, overall, per stage and per department. */
export async function timeToHireReport(rt: Runtime, actor: Actor, f: ReportFilter): Promise<TimeToHireReport> {
	assertCanRead(actor);
	const base = await requirementSet(rt.db, actor, f);
	const hiresCte = sql`hires as (
		select a.id, a.created_at as applied_at, req.department_id, min(h.created_at) as hired_at
		from applications a join req on req.id = a.requirement_id
		join application_stage_history h on h.application_id = a.id and h.to_stage = 'hired'
		where a.deleted_at is null and a.stage = 'hired'
		group by a.id, a.created_at, req.department_id
		having ${inPeriod(sql`min(h.created_at)`, f)}
	), filled as (
		select req.id, req.department_id, ${daysBetween(sql`req.opened_at`, sql`req.filled_at`)} as days from req
		where req.status = 'filled' and req.opened_at is not null and req.filled_at is not null
			and ${inPeriod(sql`req.filled_at`, f)}
	)`;
	const hireDays = daysBetween(sql`applied_at`, sql`hired_at`);
	const [overall] = await selectRows<Record<string, unknown>>(
		rt.db,
		sql`${base}, ${hiresCte}
		select (select count(*) from hires)::int as hires,
			(select percentile_cont(0.5) within group (order by ${hireDays}) from hires)::float8 as median_hire,
			(select avg(${hireDays}) from hires)::float8 as mean_hire,
			(select count(*) from filled)::int as filled,
			(select percentile_cont(0.5) within group (order by days) from filled)::float8 as median_fill,
			(select avg(days) from filled)::float8 as mean_fill`
	);
	const stageRows = await selectRows<{ key: string; average: unknown; moves: number }>(
		rt.db,
		sql`${base}, ${hiresCte}
		select h.from_stage as key, (avg(h.seconds_in_previous_stage) / ${DAY_SECONDS})::float8 as average, count(*)::int as moves
		from application_stage_history h join hires on hires.id = h.application_id
		where h.from_stage is not null and h.seconds_in_previous_stage is not null and h.created_at <= hires.hired_at
		group by h.from_stage`
	);
	const departmentRows = await selectRows<Record<string, unknown>>(
		rt.db,
		sql`${base}, ${hiresCte},
		depts as (select department_id from hires union select department_id from filled)
		select depts.department_id, d.name,
			(select count(*) from hires where hires.department_id = depts.department_id)::int as hires,
			(select percentile_cont(0.5) within group (order by ${hireDays}) from hires where hires.department_id = depts.department_id)::float8 as median_hire,
			(select avg(${hireDays}) from hires where hires.department_id = depts.department_id)::float8 as mean_hire,
			(select percentile_cont(0.5) within group (order by days) from filled where filled.department_id = depts.department_id)::float8 as median_fill
		from depts join departments d on d.id = depts.department_id
		order by d.name, depts.department_id`
	);
	const stageByKey = new Map(stageRows.map((r) => [r.key, r]));
	return {
		hires: int(overall?.hires),
		days_to_hire: { median: round1(overall?.median_hire), mean: round1(overall?.mean_hire) },
		filled_requirements: int(overall?.filled),
		days_to_fill: { median: round1(overall?.median_fill), mean: round1(overall?.mean_fill) },
		stage_days: DEFAULT_STAGES.filter((s) => s.key !== 'hired').map((s) => ({
			key: s.key,
			label: s.label,
			average: round1(stageByKey.get(s.key)?.average),
			moves: int(stageByKey.get(s.key)?.moves)
		})),
		departments: departmentRows.map((r) => ({
			department_id: String(r.department_id),
			department: String(r.name),
			hires: int(r.hires),
			median_days_to_hire: round1(r.median_hire),
			mean_days_to_hire: round1(r.mean_hire),
			median_days_to_fill: round1(r.median_fill)
		}))
	};
}

/**
 * Per candidate source, for the applications created in the period: distinct candidates,
 * applications, hires (applications now hired) and the hire rate (hires / applications).
 */
export async function sourcesReport(rt: Runtime, actor: Actor, f: ReportFilter): Promise<SourcesReport> {
	assertCanRead(actor);
	const base = await requirementSet(rt.db, actor, f);
	const rows = await selectRows<{ source: string; candidates: number; applications: number; hires: number }>(
		rt.db,
		sql`${base}
		select c.source::text as source, count(distinct a.candidate_id)::int as candidates, count(*)::int as applications,
			(count(*) filter (where a.stage = 'hired'))::int as hires
		from applications a join req on req.id = a.requirement_id join candidates c on c.id = a.candidate_id
		where a.deleted_at is null and c.deleted_at is null and ${inPeriod(sql`a.created_at`, f)}
		group by c.source`
	);
	const bySource = new Map(rows.map((r) => [r.source, r]));
	return {
		sources: CANDIDATE_SOURCES.map((source) => {
			const r = bySource.get(source);
			const applications = int(r?.applications);
			const hires = int(r?.hires);
			return { source, candidates: int(r?.candidates), applications, hires, hire_rate: ratio(hires, applications) };
		})
	};
}

const zeroStatuses = () => Object.fromEntries(REQUIREMENT_STATUSES.map((s) => [s, 0])) as Record<string, number>;

/** Requirements created in the period: by status per department, open headcount, approval time, late openings. */
export async function requirementsReport(rt: Runtime, actor: Actor, f: ReportFilter): Promise<RequirementsReport> {
	assertCanRead(actor);
	const base = await requirementSet(rt.db, actor, f);
	const reqCte = sql`r as (
		select req.*, greatest(req.headcount - (
			select count(*) from applications a where a.requirement_id = req.id and a.stage = 'hired' and a.deleted_at is null
		), 0)::int as left_to_hire
		from req where ${inPeriod(sql`req.created_at`, f)}
	)`;
	const rows = await selectRows<{
		department_id: string;
		name: string;
		status: string;
		count: number;
		open_headcount: number;
	}>(
		rt.db,
		sql`${base}, ${reqCte}
		select r.department_id, d.name, r.status::text as status, count(*)::int as count,
			coalesce(sum(r.left_to_hire) filter (where r.status = 'open'), 0)::int as open_headcount
		from r join departments d on d.id = r.department_id
		group by r.department_id, d.name, r.status order by d.name, r.department_id`
	);
	const [approval] = await selectRows<{ median: unknown; count: number }>(
		rt.db,
		sql`${base}, ${reqCte}
		select (percentile_cont(0.5) within group (order by ${daysBetween(sql`submitted_at`, sql`approved_at`)}))::float8 as median,
			count(*)::int as count
		from r where submitted_at is not null and approved_at is not null and approved_at >= submitted_at`
	);
	const late = await selectRows<{
		id: string;
		number: number;
		title: string;
		target_start_date: string;
		left_to_hire: number;
	}>(
		rt.db,
		sql`${base}, ${reqCte}
		select id, number, title, target_start_date::text as target_start_date, left_to_hire from r
		where status in ('approved', 'open') and left_to_hire > 0 and target_start_date < (now() at time zone 'UTC')::date
		order by target_start_date, number limit 100`
	);
	const departments = new Map<string, RequirementsReport['departments'][number]>();
	const byStatus = zeroStatuses();
	for (const row of rows) {
		let d = departments.get(row.department_id);
		if (!d) {
			d = { department_id: row.department_id, department: row.name, by_status: zeroStatuses(), open_headcount: 0 };
			departments.set(row.department_id, d);
		}
		d.by_status[row.status] = int(row.count);
		d.open_headcount += int(row.open_headcount);
		byStatus[row.status] += int(row.count);
	}
	const list = [...departments.values()];
	return {
		total: Object.values(byStatus).reduce((a, b) => a + b, 0),
		by_status: byStatus,
		departments: list,
		open_headcount: list.reduce((n, d) => n + d.open_headcount, 0),
		approval_days: { median: round1(approval?.median), count: int(approval?.count) },
		past_target_start: late.map((r) => ({
			id: r.id,
			reference: `REQ-${String(r.number).padStart(6, '0')}`,
			title: r.title,
			target_start_date: r.target_start_date,
			open_headcount: int(r.left_to_hire)
		}))
	};
}

/** Offers created in the period: by status, acceptance rate, days from extended to decided. */
export async function offersReport(rt: Runtime, actor: Actor, f: ReportFilter): Promise<OffersReport> {
	assertCanRead(actor);
	const base = await requirementSet(rt.db, actor, f);
	const oCte = sql`o as (
		select offers.status::text as status, offers.extended_at, offers.responded_at
		from offers join req on req.id = offers.requirement_id
		where offers.deleted_at is null and ${inPeriod(sql`offers.created_at`, f)}
	)`;
	const rows = await selectRows<{ status: string; count: number }>(
		rt.db,
		sql`${base}, ${oCte} select status, count(*)::int as count from o group by status`
	);
	const [decided] = await selectRows<{ median: unknown; count: number }>(
		rt.db,
		sql`${base}, ${oCte}
		select (percentile_cont(0.5) within group (order by ${daysBetween(sql`extended_at`, sql`responded_at`)}))::float8 as median,
			count(*)::int as count
		from o where status in ('accepted', 'declined') and extended_at is not null and responded_at is not null`
	);
	const byStatus = Object.fromEntries(OFFER_STATUSES.map((s) => [s, 0])) as Record<string, number>;
	for (const r of rows) byStatus[r.status] = int(r.count);
	const closed = byStatus.accepted + byStatus.declined + byStatus.expired;
	return {
		total: Object.values(byStatus).reduce((a, b) => a + b, 0),
		by_status: byStatus,
		acceptance_rate: ratio(byStatus.accepted, closed),
		decision_days: { median: round1(decided?.median), count: int(decided?.count) }
	};
}

/** Interviews starting in the period: by status, scorecards on time, overdue feedback per interviewer. */
export async function interviewsReport(rt: Runtime, actor: Actor, f: ReportFilter): Promise<InterviewsReport> {
	assertCanRead(actor);
	const base = await requirementSet(rt.db, actor, f);
	const ivCte = sql`iv as (
		select i.id, i.status::text as status, i.ends_at from interviews i join req on req.id = i.requirement_id
		where i.deleted_at is null and ${inPeriod(sql`i.starts_at`, f)}
	), fb as (
		select f.interview_id, f.user_id, min(f.submitted_at) as first_at
		from interview_feedback f join iv on iv.id = f.interview_id group by f.interview_id, f.user_id
	)`;
	const rows = await selectRows<{ status: string; count: number }>(
		rt.db,
		sql`${base}, ${ivCte} select status, count(*)::int as count from iv group by status`
	);
	const [cards] = await selectRows<{ submitted: number; on_time: number }>(
		rt.db,
		sql`${base}, ${ivCte}
		select count(*)::int as submitted, (count(*) filter (where fb.first_at <= iv.ends_at + interval '24 hours'))::int as on_time
		from fb join iv on iv.id = fb.interview_id`
	);
	const overdue = await selectRows<{ user_id: string; name: string; overdue: number }>(
		rt.db,
		sql`${base}, ${ivCte}
		select p.user_id, u.name, count(*)::int as overdue
		from interview_panelists p join iv on iv.id = p.interview_id join users u on u.id = p.user_id
		where iv.status in ('scheduled', 'completed') and iv.ends_at + interval '24 hours' < now()
			and not exists (select 1 from fb where fb.interview_id = p.interview_id and fb.user_id = p.user_id)
		group by p.user_id, u.name order by overdue desc, u.name, p.user_id`
	);
	const byStatus = Object.fromEntries(INTERVIEW_STATUSES.map((s) => [s, 0])) as Record<string, number>;
	for (const r of rows) byStatus[r.status] = int(r.count);
	const named = can(subjectOf(actor), 'read', 'interview');
	const submitted = int(cards?.submitted);
	const within = int(cards?.on_time);
	return {
		total: Object.values(byStatus).reduce((a, b) => a + b, 0),
		by_status: byStatus,
		scorecards: { submitted, within_24h: within, on_time_rate: ratio(within, submitted) },
		overdue_feedback: overdue.reduce((n, r) => n + int(r.overdue), 0),
		overdue_by_interviewer: overdue.map((r) => ({
			user_id: named ? r.user_id : null,
			name: named ? r.name : null,
			overdue: int(r.overdue)
		}))
	};
}

const RUNNERS: { [K in ReportKind]: (rt: Runtime, actor: Actor, f: ReportFilter) => Promise<Reports[K]> } = {
	pipeline: pipelineReport,
	'time-to-hire': timeToHireReport,
	sources: sourcesReport,
	requirements: requirementsReport,
	offers: offersReport,
	interviews: interviewsReport
};

/** Runs one report by its name. */
export function runReport<K extends ReportKind>(
	rt: Runtime,
	actor: Actor,
	kind: K,
	f: ReportFilter
): Promise<Reports[K]> {
	return RUNNERS[kind](rt, actor, f);
}
