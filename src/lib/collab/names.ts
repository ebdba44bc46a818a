/**
 * Names of the live documents. One parser, used by the browser, the sync server and tests,
 * so a name means the same thing everywhere.
 */
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export type DocumentRef =
	| { type: 'notes'; userId: string }
	| { type: 'requirement_description'; requirementId: string }
	| { type: 'pipeline'; requirementId: string }
	| { type: 'interview_notes'; interviewId: string }
	| { type: 'scorecard'; interviewId: string; userId: string }
	| { type: 'debrief'; applicationId: string };

const patterns: Array<[RegExp, (m: RegExpExecArray) => DocumentRef]> = [
	[new RegExp(`^notes:(${UUID})$`), (m) => ({ type: 'notes', userId: m[1] })],
	[
		new RegExp(`^requirement:(${UUID}):description$`),
		(m) => ({ type: 'requirement_description', requirementId: m[1] })
	],
	[new RegExp(`^pipeline:(${UUID})$`), (m) => ({ type: 'pipeline', requirementId: m[1] })],
	[new RegExp(`^interview:(${UUID}):notes$`), (m) => ({ type: 'interview_notes', interviewId: m[1] })],
	[new RegExp(`^scorecard:(${UUID}):(${UUID})$`), (m) => ({ type: 'scorecard', interviewId: m[1], userId: m[2] })],
	[new RegExp(`^debrief:(${UUID})$`), (m) => ({ type: 'debrief', applicationId: m[1] })]
];

/** Parses a document name; null for anything that is not one of ours. */
export function parseDocumentName(name: string): DocumentRef | null {
	for (const [pattern, build] of patterns) {
		const match = pattern.exec(name);
		if (match) return build(match);
	}
	return null;
}

export const documentNames = {
	notes: (userId: string) => `notes:${userId}`,
	requirementDescription: (requirementId: string) => `requirement:${requirementId}:description`,
	pipeline: (requirementId: string) => `pipeline:${requirementId}`,
	interviewNotes: (interviewId: string) => `interview:${interviewId}:notes`,
	scorecard: (interviewId: string, userId: string) => `scorecard:${interviewId}:${userId}`,
	/** The consolidated debrief note of an application (an addition to DESIGN.md's four documents). */
	debrief: (applicationId: string) => `debrief:${applicationId}`
};
