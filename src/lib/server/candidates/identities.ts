import { and, eq, isNull, ne, or, type SQL } from 'drizzle-orm';
import { normalizeEmail, normalizeLinkedIn, normalizePhone } from '../../domain/normalize';
import type { Executor } from '../db/client';
import { candidateIdentities, candidates } from '../db/schema';

export interface Identity {
	kind: 'email' | 'phone' | 'linkedin';
	value: string;
}

/** The normalised identifiers of a candidate: every e-mail, the E.164 phone, the LinkedIn profile. */
export function identitiesOf(
	c: { emails?: string[] | null; phone?: string | null; linkedinUrl?: string | null },
	defaultCountry: string
): Identity[] {
	const out: Identity[] = [];
	for (const email of c.emails ?? []) out.push({ kind: 'email', value: normalizeEmail(email) });
	const phone = c.phone ? normalizePhone(c.phone, defaultCountry) : null;
	if (phone) out.push({ kind: 'phone', value: phone });
	const linkedin = c.linkedinUrl ? normalizeLinkedIn(c.linkedinUrl) : null;
	if (linkedin) out.push({ kind: 'linkedin', value: linkedin });
	const seen = new Set<string>();
	return out.filter((i) => {
		const key = `${i.kind}:${i.value}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

export interface DuplicateMatch {
	id: string;
	name: string;
	emails: string[];
	currentTitle: string | null;
	matchedOn: string[];
}

/** Live candidates (not merged, not deleted) sharing any identifier with `identities`. */
export async function findDuplicates(
	db: Executor,
	identities: Identity[],
	excludeId?: string
): Promise<DuplicateMatch[]> {
	if (identities.length === 0) return [];
	const matchAny = or(
		...identities.map((i) => and(eq(candidateIdentities.kind, i.kind), eq(candidateIdentities.value, i.value)) as SQL)
	) as SQL;
	const rows = await db
		.select({
			id: candidates.id,
			name: candidates.name,
			emails: candidates.emails,
			currentTitle: candidates.currentTitle,
			kind: candidateIdentities.kind,
			value: candidateIdentities.value
		})
		.from(candidateIdentities)
		.innerJoin(candidates, eq(candidates.id, candidateIdentities.candidateId))
		.where(
			and(
				matchAny,
				isNull(candidates.deletedAt),
				isNull(candidates.mergedIntoId),
				excludeId ? ne(candidates.id, excludeId) : undefined
			)
		);
	const byId = new Map<string, DuplicateMatch>();
	for (const r of rows) {
		const match = byId.get(r.id) ?? {
			id: r.id,
			name: r.name,
			emails: r.emails,
			currentTitle: r.currentTitle,
			matchedOn: []
		};
		match.matchedOn.push(`${r.kind}:${r.value}`);
		byId.set(r.id, match);
	}
	return [...byId.values()];
}

/** Replaces a candidate's identifiers. */
export async function writeIdentities(db: Executor, candidateId: string, identities: Identity[]): Promise<void> {
	await db.delete(candidateIdentities).where(eq(candidateIdentities.candidateId, candidateId));
	if (identities.length) {
		await db.insert(candidateIdentities).values(identities.map((i) => ({ candidateId, kind: i.kind, value: i.value })));
	}
}
