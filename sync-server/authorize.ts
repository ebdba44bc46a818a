import { can } from '$lib/permissions';
import { parseDocumentName, type DocumentRef } from '$lib/collab/names';
import type { SessionUser } from '$lib/server/auth/session';
import type { Runtime } from '$lib/server/runtime';
import { debriefAccess, interviewNotesAccess, scorecardAccess } from './documents/interview';
import { pipelineAccess } from './documents/pipeline';
import { requirementDescriptionAccess } from './documents/requirement-description';

export type DocumentAccess = 'none' | 'read' | 'write';

type Resolver<T extends DocumentRef['type']> = (
	rt: Runtime,
	user: SessionUser,
	ref: Extract<DocumentRef, { type: T }>
) => Promise<DocumentAccess>;

/**
 * Per document type: what may this user do with it? Each domain registers its resolver here;
 * a document type without one is refused. Asked at every connect, per document, so a socket
 * holding one read-only and one writable document gets each right (hocuspocus#613).
 */
const resolvers: { [T in DocumentRef['type']]?: Resolver<T> } = {
	async notes(_rt, user, ref) {
		const relations = user.id === ref.userId ? (['self'] as const) : [];
		if (can(user, 'update', 'notes', relations)) return 'write';
		if (can(user, 'read', 'notes', relations)) return 'read';
		return 'none';
	},
	requirement_description: requirementDescriptionAccess,
	pipeline: pipelineAccess,
	interview_notes: interviewNotesAccess,
	scorecard: scorecardAccess,
	debrief: debriefAccess
};

/**
 * Registers the access rule of a document type (used by the domains that own them). Returns a
 * function that puts back the rule it replaced (tests).
 */
export function registerDocumentAccess<T extends DocumentRef['type']>(type: T, resolver: Resolver<T>): () => void {
	const table = resolvers as Record<string, unknown>;
	const previous = table[type];
	table[type] = resolver;
	return () => {
		if (table[type] !== resolver) return;
		if (previous === undefined) delete table[type];
		else table[type] = previous;
	};
}

/** Refuse, read-only or read-write for `user` on the document `name`. */
export async function resolveDocumentAccess(rt: Runtime, user: SessionUser, name: string): Promise<DocumentAccess> {
	const ref = parseDocumentName(name);
	if (!ref) return 'none';
	const resolver = resolvers[ref.type] as Resolver<typeof ref.type> | undefined;
	if (!resolver) return 'none';
	return resolver(rt, user, ref as never);
}
