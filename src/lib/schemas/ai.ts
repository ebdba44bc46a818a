import { z } from 'zod';
import { currencyField } from './org';

const uuid = (label: string) => z.string({ error: `${label} is required` }).uuid(`${label} must be a valid id`);

/** POST /ai/screen: one application, or a whole column (every application of a stage). */
export const screenInput = z.union(
	[
		z.object({ application_id: uuid('application_id') }).strict(),
		z
			.object({
				requirement_id: uuid('requirement_id'),
				stage: z.string().trim().min(1, 'stage is required').max(50)
			})
			.strict()
	],
	{ error: 'Send either application_id, or requirement_id and stage (a whole column)' }
);
export type ScreenInput = z.infer<typeof screenInput>;

/** GET /ai/screen: the runs of one application, or the latest run of each card of a board. */
export const screeningRunsQuery = z
	.object({
		application_id: z.string().uuid().optional(),
		requirement_id: z.string().uuid().optional(),
		page: z.coerce.number().int().min(1).default(1),
		page_size: z.coerce.number().int().min(1).max(100).default(20)
	})
	.refine((q) => Boolean(q.application_id) !== Boolean(q.requirement_id), {
		message: 'Ask for application_id or requirement_id',
		path: ['application_id']
	});
export type ScreeningRunsQuery = z.infer<typeof screeningRunsQuery>;

export const requirementIdInput = z.object({ requirement_id: uuid('requirement_id') }).strict();

/** Tones a drafted job description can take. */
export const JOB_DESCRIPTION_TONES = ['professional', 'friendly', 'formal', 'enthusiastic'] as const;
export type JobDescriptionTone = (typeof JOB_DESCRIPTION_TONES)[number];

/** POST /ai/job-description: draft the requirement's description as a suggestion in its live document. */
export const jobDescriptionInput = z
	.object({
		requirement_id: uuid('requirement_id'),
		tone: z
			.enum(JOB_DESCRIPTION_TONES, { error: `tone must be one of ${JOB_DESCRIPTION_TONES.join(', ')}` })
			.optional(),
		instructions: z.string().trim().max(1000, 'Keep the instructions under 1,000 characters').optional()
	})
	.strict();
export type JobDescriptionInput = z.infer<typeof jobDescriptionInput>;

export const improveInput = z
	.object({
		/** The description the text comes from: the caller must be allowed to edit it. */
		requirement_id: z.string().uuid('requirement_id must be a valid id').optional(),
		text: z.string().trim().min(1, 'Select some text to improve').max(5000, 'Improve at most 5,000 characters at once'),
		instruction: z.string().trim().max(300).optional()
	})
	.strict();
export type ImproveInput = z.infer<typeof improveInput>;

/** Not trimmed: the flags' offsets are positions in the text exactly as it was sent. */
export const inclusiveCheckInput = z
	.object({
		text: z
			.string({ error: 'text is required' })
			.max(20_000, 'Check at most 20,000 characters at once')
			.refine((t) => t.trim().length > 0, 'There is no text to check')
	})
	.strict();

const optionalText = (max: number) =>
	z
		.string()
		.trim()
		.max(max)
		.transform((v) => v || null)
		.nullable()
		.optional();

/** POST /ai/salary-benchmark: a title (with level, location, currency), or a requirement's. */
export const salaryBenchmarkInput = z.union(
	[
		z
			.object({
				title: z.string().trim().min(2, 'title is required').max(200),
				level: optionalText(100),
				location: optionalText(200),
				currency: currencyField,
				refresh: z.boolean().optional()
			})
			.strict(),
		z.object({ requirement_id: uuid('requirement_id'), refresh: z.boolean().optional() }).strict()
	],
	{ error: 'Send title and currency (with level and location if known), or requirement_id' }
);
export type SalaryBenchmarkInput = z.infer<typeof salaryBenchmarkInput>;

export const salaryCompareQuery = z.object({ requirement_id: uuid('requirement_id') });

export const marketResearchQuery = z.object({
	requirement_id: uuid('requirement_id'),
	page: z.coerce.number().int().min(1).default(1),
	page_size: z.coerce.number().int().min(1).max(50).default(10)
});

export const CHAT_ROLES = ['user', 'assistant'] as const;

const chatMessage = z.object({
	role: z.enum(CHAT_ROLES, { error: 'role must be user or assistant' }),
	content: z.string({ error: 'content is required' }).trim().min(1, 'A message cannot be empty').max(4000)
});

/**
 * POST /ai/chat: the conversation, the user's question last — as `messages`, or as `message`
 * with the earlier turns in `history` (turned into `messages`).
 */
export const chatInput = z.preprocess(
	(body) => {
		if (!body || typeof body !== 'object' || !('message' in body) || 'messages' in body) return body;
		const { message, history, ...rest } = body as { message: unknown; history?: unknown };
		const earlier = Array.isArray(history) ? history : history === undefined ? [] : history;
		return { ...rest, messages: Array.isArray(earlier) ? [...earlier, { role: 'user', content: message }] : earlier };
	},
	z
		.object({
			messages: z
				.array(chatMessage, { error: 'Send messages (or message and history)' })
				.min(1, 'Ask something')
				.max(30, 'Start a new conversation: at most 30 messages')
				.refine((m) => m[m.length - 1]?.role === 'user', 'The last message must be the user’s question')
		})
		.strict()
);
export type ChatInput = z.infer<typeof chatInput>;
