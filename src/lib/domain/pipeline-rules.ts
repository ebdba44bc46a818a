import { DEFAULT_STAGES, REJECTION_REASONS, TERMINAL_STAGES, type PipelineStage } from './candidates';

/**
 * The one table of pipeline move rules. The REST API, the sync server (moves made by dragging a
 * card in the live board) and the board's own UI all ask `checkMove`, so a move is legal or
 * illegal the same way everywhere.
 */
export interface MoveContext {
	from: string;
	to: string;
	/** The requirement's stages (custom or default), without the terminal ones. */
	stages: PipelineStage[];
	rejectionReason?: string | null;
	/** Whether an accepted offer exists for this application (offers domain). */
	hasAcceptedOffer: boolean;
	/** Whether the offers domain is in use for this application (an offer exists at all). */
	offersInUse: boolean;
}

export interface MoveRule {
	id: string;
	/** Null when the rule is satisfied, else why the move is refused. */
	check(ctx: MoveContext): string | null;
}

export const isTerminal = (stage: string) => TERMINAL_STAGES.some((s) => s.key === stage);

export const MOVE_RULES: MoveRule[] = [
	{
		id: 'known_stage',
		check: (ctx) =>
			ctx.stages.some((s) => s.key === ctx.to) || isTerminal(ctx.to)
				? null
				: `"${ctx.to}" is not a stage of this pipeline`
	},
	{
		id: 'rejection_reason',
		check: (ctx) =>
			ctx.to !== 'rejected' ||
			(ctx.rejectionReason && (REJECTION_REASONS as readonly string[]).includes(ctx.rejectionReason))
				? null
				: `Rejecting needs a reason (one of: ${REJECTION_REASONS.join(', ')})`
	},
	{
		id: 'hired_needs_accepted_offer',
		check: (ctx) =>
			ctx.to !== 'hired' || !ctx.offersInUse || ctx.hasAcceptedOffer
				? null
				: 'A candidate is hired only once their offer is accepted'
	},
	{
		id: 'hired_is_final',
		check: (ctx) =>
			ctx.from !== 'hired' || ctx.to === 'withdrawn' ? null : 'A hired candidate can only be marked as withdrawn'
	}
];

/** Null when the move is legal; otherwise the first reason it is not. */
export function checkMove(ctx: MoveContext): string | null {
	if (ctx.from === ctx.to) return null;
	for (const rule of MOVE_RULES) {
		const problem = rule.check(ctx);
		if (problem) return problem;
	}
	return null;
}

/** A requirement's stages: its custom list, or the defaults. */
export function stagesOf(custom: PipelineStage[] | null | undefined): PipelineStage[] {
	return custom && custom.length > 0 ? custom : DEFAULT_STAGES;
}

/** Every column of the board, terminal stages last. */
export function boardColumns(custom: PipelineStage[] | null | undefined): PipelineStage[] {
	return [...stagesOf(custom), ...TERMINAL_STAGES];
}
