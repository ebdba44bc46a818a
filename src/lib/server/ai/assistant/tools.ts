import { Type, type FunctionDeclaration } from '@google/genai';
import { and, count, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { boardColumns } from '../../../domain/pipeline-rules';
import { OFFER_STATUSES } from '../../../domain/interviews';
import { REQUIREMENT_STATUSES, requirementReference } from '../../../domain/requirements';
import { can } from '../../../permissions';
import { listCandidatesQuery } from '../../../schemas/candidates';
import { listRequirementsQuery } from '../../../schemas/requirements';
import { subjectOf, type Actor } from '../../actor';
import { assertCanReadCandidate } from '../../candidates/relations';
import { listCandidates } from '../../candidates/list';
import { getCandidate } from '../../candidates/service';
import { visibleRequirementIds } from '../../candidates/visibility';
import { applications } from '../../db/schema';
import { AppError, Forbidden } from '../../errors';
import { debriefOf } from '../../interviews/scorecards';
import { getInterview, listInterviews } from '../../interviews/service';
import { getOffer, listOffers } from '../../offers/service';
import { getRequirement, listRequirements } from '../../requirements/service';
import type { Runtime } from '../../runtime';

/**
 * The assistant's tools. Each one is read-only and asks the same service functions the REST
 * endpoints use, as the calling user: a list is narrowed to the records whose own GET would
 * succeed (`getCandidate`, `getInterview`, `getOffer`…), so a tool can never hand the model — or
 * the heuristic — a record the user cannot open. Forbidden and not found read the same, so the
 * answer does not even reveal that a hidden record exists.
 *
 * Departments: candidates come through the candidate services, which apply the caller's
 * department scope (`candidates/visibility.ts`). Every requirement-bound record a tool returns
 * (requirement, pipeline counts, interview, offer) is also kept only when its requirement passes
 * the same `requirementScopeCondition` the requirement services use — or when the caller holds
 * it directly (on the interview's panel, an approver of the offer) — so whatever the model asks
 * for, by name or by id, nothing of a department the user does not work for reaches it.
 */

export type RecordType = 'candidate' | 'requirement' | 'interview' | 'offer';

/** A record an answer used, shown under it as a link. */
export interface UsedRecord {
	type: RecordType;
	id: string;
	label: string;
	href: string;
}

const PAGES: Record<RecordType, string> = {
	candidate: '/candidates',
	requirement: '/requirements',
	interview: '/interviews',
	offer: '/offers'
};

/** The records the tools returned during one answer, in first-use order, without repeats. */
export class UsedRecords {
	private readonly byKey = new Map<string, UsedRecord>();

	add(type: RecordType, id: string, label: string): void {
		const key = `${type}:${id}`;
		if (!this.byKey.has(key)) this.byKey.set(key, { type, id, label, href: `${PAGES[type]}/${id}` });
	}

	list(): UsedRecord[] {
		return [...this.byKey.values()];
	}
}

export interface ToolContext {
	rt: Runtime;
	actor: Actor;
	used: UsedRecords;
	now?: Date;
}

const NOT_VISIBLE = 'No such record, or you may not open it';

/** Runs a service read; an expected refusal (forbidden, not found) is `null`, anything else throws. */
async function visible<T>(read: () => Promise<T>): Promise<T | null> {
	try {
		return await read();
	} catch (err) {
		if (err instanceof AppError) return null;
		throw err;
	}
}

/** Of these requirement ids, those the caller sees (departments; all of them when unscoped). */
function seenRequirements(ctx: ToolContext, ids: string[]): Promise<Set<string>> {
	return visibleRequirementIds(ctx.rt.db, ctx.actor, ids);
}

const day = (d: Date) => d.toISOString().slice(0, 10);

function requirementLabel(r: { number: number; title: string }) {
	return `${requirementReference(r.number)} ${r.title}`;
}

// ---------------------------------------------------------------------------------------------

/** Requirements by text and status (every role that may use AI reads every requirement). */
export async function findRequirements(ctx: ToolContext, args: { query?: string; status?: string }) {
	const status = REQUIREMENT_STATUSES.find((s) => s === args.status);
	const page = await listRequirements(
		ctx.rt,
		ctx.actor,
		listRequirementsQuery.parse({ q: args.query?.trim() || undefined, status, page_size: 20 })
	);
	const seen = await seenRequirements(
		ctx,
		page.items.map((r) => r.id)
	);
	const items = page.items.filter((r) => seen.has(r.id));
	const requirements = items.map((r) => {
		ctx.used.add('requirement', r.id, requirementLabel(r));
		return {
			id: r.id,
			reference: r.reference,
			title: r.title,
			status: r.status,
			department: r.departmentName,
			hiringManager: r.hiringManagerName,
			openings: r.headcount
		};
	});
	return { total: items.length === page.items.length ? page.total : items.length, requirements };
}

/** Candidates by name (or e-mail, title…), only those the user may open. */
export async function searchCandidates(ctx: ToolContext, args: { name: string }) {
	const name = args.name.trim();
	if (!name) return { candidates: [] };
	const page = await visible(() =>
		listCandidates(ctx.rt, ctx.actor, listCandidatesQuery.parse({ q: name.slice(0, 200), page_size: 10 }))
	);
	const found = [];
	for (const c of page?.items ?? []) {
		if ((await visible(() => assertCanReadCandidate(ctx.rt.db, ctx.actor, c.id))) === null) continue;
		ctx.used.add('candidate', c.id, c.name);
		found.push({ id: c.id, name: c.name, currentTitle: c.currentTitle, currentCompany: c.currentCompany });
	}
	return { candidates: found };
}

/**
 * A candidate's applications (requirement, stage) and interviews (type, date, status, panel
 * with who submitted feedback, and the recommendations of the scorecards the user may read).
 */
export async function candidateInterviews(ctx: ToolContext, args: { candidate_id: string }) {
	const candidate = await visible(() => getCandidate(ctx.rt, ctx.actor, args.candidate_id));
	if (!candidate) return { error: NOT_VISIBLE };
	ctx.used.add('candidate', candidate.id, candidate.name);
	const subject = subjectOf(ctx.actor);
	const result = [];
	for (const app of candidate.applications) {
		const interviews = can(subject, 'list', 'interview')
			? await listInterviews(ctx.rt, ctx.actor, { page: 1, page_size: 100, application_id: app.id })
			: { items: [] };
		const debrief = await visible(() => debriefOf(ctx.rt, ctx.actor, app.id));
		const shown = [];
		for (const item of interviews.items) {
			const interview = await visible(() => getInterview(ctx.rt, ctx.actor, item.id));
			if (!interview) continue;
			const label = `${interview.typeLabel} interview with ${interview.candidateName}, ${day(interview.startsAt)}`;
			ctx.used.add('interview', interview.id, label);
			const visibleCards = debrief?.interviews.find((i) => i.id === interview.id)?.visible
				? debrief.scorecards.filter((s) => s.interviewId === interview.id)
				: [];
			shown.push({
				id: interview.id,
				type: interview.typeLabel,
				startsAt: interview.startsAt.toISOString(),
				status: interview.status,
				panel: interview.panel.map((p) => ({ name: p.name, submittedFeedback: p.submitted })),
				scorecards: visibleCards.map((s) => ({ interviewer: s.interviewerName, recommendation: s.recommendation }))
			});
		}
		result.push({
			requirementId: app.requirementId,
			requirement: app.requirementTitle,
			stage: app.stageLabel,
			interviews: shown
		});
	}
	return { candidate: { id: candidate.id, name: candidate.name }, applications: result };
}

/** How far back "awaiting feedback" looks. */
export const FEEDBACK_WINDOW_DAYS = 90;

/**
 * Interviews of the last 90 days that took place (or are marked completed) whose panel still
 * owes scorecards: who has not submitted, per interview — for one requirement or all the user
 * may see.
 */
export async function interviewsAwaitingFeedback(ctx: ToolContext, args: { requirement_id?: string }) {
	if (!can(subjectOf(ctx.actor), 'list', 'interview')) return { interviews: [] };
	if (args.requirement_id && !(await seenRequirements(ctx, [args.requirement_id])).has(args.requirement_id))
		return { interviews: [] };
	const now = ctx.now ?? new Date();
	// Feedback owed for the last FEEDBACK_WINDOW_DAYS: older interviews would crowd the page.
	const page = await listInterviews(ctx.rt, ctx.actor, {
		page: 1,
		page_size: 100,
		requirement_id: args.requirement_id,
		from: new Date(now.getTime() - FEEDBACK_WINDOW_DAYS * 86_400_000),
		to: now
	});
	const waiting = [];
	for (const item of page.items) {
		if (item.status === 'cancelled' || item.status === 'no_show') continue;
		if (item.status !== 'completed' && item.endsAt > now) continue;
		const interview = await visible(() => getInterview(ctx.rt, ctx.actor, item.id));
		if (!interview) continue;
		if (!interview.capabilities.isPanelist && !(await seenRequirements(ctx, [interview.requirementId])).size) continue;
		const missing = interview.panel.filter((p) => !p.submitted);
		if (missing.length === 0) continue;
		ctx.used.add(
			'interview',
			interview.id,
			`${interview.typeLabel} interview with ${interview.candidateName}, ${day(interview.startsAt)}`
		);
		waiting.push({
			id: interview.id,
			candidate: interview.candidateName,
			requirement: interview.requirementTitle,
			type: interview.typeLabel,
			startsAt: interview.startsAt.toISOString(),
			waitingOn: missing.map((p) => p.name)
		});
	}
	return { interviews: waiting };
}

/** A requirement's pipeline: how many candidates in each stage. */
export async function pipelineSummary(ctx: ToolContext, args: { requirement_id: string }) {
	const requirement = (await seenRequirements(ctx, [args.requirement_id])).size
		? await visible(() => getRequirement(ctx.rt, ctx.actor, args.requirement_id))
		: null;
	if (!requirement || !can(subjectOf(ctx.actor), 'read', 'pipeline')) return { error: NOT_VISIBLE };
	ctx.used.add('requirement', requirement.id, requirementLabel(requirement));
	const rows = await ctx.rt.db
		.select({ stage: applications.stage, n: count() })
		.from(applications)
		.where(and(eq(applications.requirementId, requirement.id), isNull(applications.deletedAt)))
		.groupBy(applications.stage);
	const counts = new Map(rows.map((r) => [r.stage, Number(r.n)]));
	const stages = boardColumns(requirement.pipelineStages).map((s) => ({
		key: s.key,
		label: s.label,
		candidates: counts.get(s.key) ?? 0
	}));
	return {
		requirement: { id: requirement.id, title: requirement.title, status: requirement.status },
		total: stages.reduce((sum, s) => sum + s.candidates, 0),
		stages
	};
}

/** Offers (by requirement, candidate or status), only those the user may open. */
export async function findOffers(
	ctx: ToolContext,
	args: { requirement_id?: string; candidate_id?: string; status?: string }
) {
	if (!can(subjectOf(ctx.actor), 'list', 'offer')) return { offers: [] };
	const status = OFFER_STATUSES.find((s) => s === args.status);
	const page = await listOffers(ctx.rt, ctx.actor, {
		page: 1,
		page_size: 100,
		status,
		requirement_id: args.requirement_id
	});
	const found = [];
	for (const item of page.items) {
		if (args.candidate_id && item.candidateId !== args.candidate_id) continue;
		// The list shows every offer to every role that lists them; only the ones this user may open count.
		const offer = await visible(() => getOffer(ctx.rt, ctx.actor, item.id));
		if (!offer) continue;
		const approver = offer.approvals.some((round) =>
			round.steps.some((step) => step.approvals.some((a) => a.approverId === ctx.actor.userId))
		);
		if (!approver && !(await seenRequirements(ctx, [offer.requirementId])).size) continue;
		ctx.used.add('offer', offer.id, `Offer to ${offer.candidateName ?? 'candidate'} (${offer.requirementTitle})`);
		found.push({
			id: offer.id,
			candidate: offer.candidateName,
			requirement: offer.requirementTitle,
			status: offer.status,
			salary: offer.baseSalary,
			currency: offer.currency,
			startDate: offer.startDate
		});
	}
	return { offers: found };
}

// ---------------------------------------------------------------------------------------------
// Declarations for Gemini function calling, and the dispatcher

const uuidArg = z.string().uuid();

const toolArgs = {
	find_requirements: z.object({ query: z.string().max(200).optional(), status: z.string().optional() }),
	search_candidates: z.object({ name: z.string().min(1).max(200) }),
	candidate_interviews: z.object({ candidate_id: uuidArg }),
	interviews_awaiting_feedback: z.object({ requirement_id: uuidArg.optional() }),
	pipeline_summary: z.object({ requirement_id: uuidArg }),
	find_offers: z.object({
		requirement_id: uuidArg.optional(),
		candidate_id: uuidArg.optional(),
		status: z.string().optional()
	})
};
export type ToolName = keyof typeof toolArgs;

export const TOOL_DECLARATIONS: FunctionDeclaration[] = [
	{
		name: 'find_requirements',
		description: 'Find requirements (open positions / roles) by words of their title and by status.',
		parameters: {
			type: Type.OBJECT,
			properties: {
				query: { type: Type.STRING, description: 'Words of the title, e.g. "backend"' },
				status: { type: Type.STRING, enum: [...REQUIREMENT_STATUSES] }
			}
		}
	},
	{
		name: 'search_candidates',
		description: 'Find candidates by name (or e-mail, title, company).',
		parameters: { type: Type.OBJECT, properties: { name: { type: Type.STRING } }, required: ['name'] }
	},
	{
		name: 'candidate_interviews',
		description:
			"A candidate's applications (requirement, stage) and interviews: date, status, panel, who submitted feedback, and recommendations.",
		parameters: { type: Type.OBJECT, properties: { candidate_id: { type: Type.STRING } }, required: ['candidate_id'] }
	},
	{
		name: 'interviews_awaiting_feedback',
		description:
			'Past interviews whose panelists have not submitted their scorecard yet, optionally for one requirement.',
		parameters: { type: Type.OBJECT, properties: { requirement_id: { type: Type.STRING } } }
	},
	{
		name: 'pipeline_summary',
		description: "How many candidates are in each stage of a requirement's pipeline.",
		parameters: {
			type: Type.OBJECT,
			properties: { requirement_id: { type: Type.STRING } },
			required: ['requirement_id']
		}
	},
	{
		name: 'find_offers',
		description: 'Offers, optionally for one requirement, one candidate or in one status.',
		parameters: {
			type: Type.OBJECT,
			properties: {
				requirement_id: { type: Type.STRING },
				candidate_id: { type: Type.STRING },
				status: { type: Type.STRING, enum: [...OFFER_STATUSES] }
			}
		}
	}
];

/** Runs the tool the model asked for; bad arguments come back to it as an error to correct. */
export async function runTool(ctx: ToolContext, name: string, rawArgs: unknown): Promise<Record<string, unknown>> {
	if (!(name in toolArgs)) return { error: `Unknown tool ${name}` };
	const parsed = toolArgs[name as ToolName].safeParse(rawArgs ?? {});
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		return { error: `Bad arguments: ${issue.path.join('.') || '(root)'} ${issue.message}` };
	}
	try {
		switch (name as ToolName) {
			case 'find_requirements':
				return await findRequirements(ctx, parsed.data as z.infer<(typeof toolArgs)['find_requirements']>);
			case 'search_candidates':
				return await searchCandidates(ctx, parsed.data as z.infer<(typeof toolArgs)['search_candidates']>);
			case 'candidate_interviews':
				return await candidateInterviews(ctx, parsed.data as z.infer<(typeof toolArgs)['candidate_interviews']>);
			case 'interviews_awaiting_feedback':
				return await interviewsAwaitingFeedback(
					ctx,
					parsed.data as z.infer<(typeof toolArgs)['interviews_awaiting_feedback']>
				);
			case 'pipeline_summary':
				return await pipelineSummary(ctx, parsed.data as z.infer<(typeof toolArgs)['pipeline_summary']>);
			case 'find_offers':
				return await findOffers(ctx, parsed.data as z.infer<(typeof toolArgs)['find_offers']>);
		}
	} catch (err) {
		if (err instanceof Forbidden) return { error: NOT_VISIBLE };
		throw err;
	}
	return { error: `Unknown tool ${name}` };
}
