import { and, eq, isNull } from 'drizzle-orm';
import { normalizeEmail } from '../../domain/normalize';
import { stagesOf } from '../../domain/pipeline-rules';
import { SYSTEM_ACTOR, type Actor } from '../actor';
import { recordAudit } from '../audit/audit';
import type { Transaction } from '../db/client';
import type { AfterCommit } from '../db/transaction';
import { applications, candidates, inboundApplications, requirements, type InboundApplication } from '../db/schema';
import { insertApplication } from '../pipeline/service';
import type { Runtime } from '../runtime';
import { insertStoredDocument } from './documents';
import { findDuplicates, identitiesOf, writeIdentities } from './identities';
import { insertCandidate } from './service';

/**
 * Turns an application from the careers page into a candidate and an application in the
 * `applied` stage, in the caller's transaction. Someone we already know (same e-mail, phone or
 * LinkedIn) is not created twice: the existing candidate gets the new details and the CV. A
 * second application to the same requirement is linked to the first, not doubled.
 */
export async function admitInboundApplication(
	tx: Transaction,
	rt: Runtime,
	afterCommit: AfterCommit,
	inbound: InboundApplication
): Promise<{ candidateId: string; applicationId: string }> {
	const actor: Actor = { ...SYSTEM_ACTOR, ip: inbound.ip };
	const identities = identitiesOf({ emails: [inbound.email], phone: inbound.phone }, rt.config.DEFAULT_COUNTRY);
	const [match] = await findDuplicates(tx, identities);
	let candidateId: string;
	if (match) {
		candidateId = match.id;
		const [existing] = await tx.select().from(candidates).where(eq(candidates.id, candidateId)).for('update');
		// The same address in another case is the same address: kept once, as first known.
		const known = new Set(existing.emails.map(normalizeEmail));
		const emails = known.has(normalizeEmail(inbound.email))
			? existing.emails
			: [...existing.emails, normalizeEmail(inbound.email)];
		const [after] = await tx
			.update(candidates)
			.set({
				emails,
				phone: existing.phone ?? inbound.phone,
				consentGivenAt: inbound.consentAt,
				consentPurpose: inbound.consentText,
				version: existing.version + 1
			})
			.where(eq(candidates.id, candidateId))
			.returning();
		await writeIdentities(tx, candidateId, identitiesOf(after, rt.config.DEFAULT_COUNTRY));
		await recordAudit(tx, actor, {
			action: 'candidate.updated',
			entityType: 'candidate',
			entityId: candidateId,
			metadata: { via: 'careers', inbound_application_id: inbound.id, matched_on: match.matchedOn }
		});
	} else {
		const created = await insertCandidate(
			tx,
			rt,
			afterCommit,
			actor,
			{
				name: inbound.name,
				emails: [normalizeEmail(inbound.email)],
				phone: inbound.phone,
				source: 'careers_page',
				consent_given_at: inbound.consentAt.toISOString(),
				consent_purpose: inbound.consentText,
				consent_until: new Date(inbound.consentAt.getTime() + 365 * 24 * 3600 * 1000).toISOString()
			},
			{ allowDuplicate: true, via: 'careers' }
		);
		candidateId = created.id;
	}
	await insertStoredDocument(tx, rt, afterCommit, actor, candidateId, 'cv', {
		hash: inbound.fileHash,
		fileName: inbound.fileName,
		mimeType: inbound.mimeType,
		size: inbound.fileSize
	});
	const [already] = await tx
		.select({ id: applications.id })
		.from(applications)
		.where(
			and(
				eq(applications.candidateId, candidateId),
				eq(applications.requirementId, inbound.requirementId),
				isNull(applications.deletedAt)
			)
		);
	let applicationId: string;
	if (already) applicationId = already.id;
	else {
		const [requirement] = await tx
			.select({ stages: requirements.pipelineStages })
			.from(requirements)
			.where(eq(requirements.id, inbound.requirementId));
		const stages = stagesOf(requirement?.stages);
		const stage = stages.some((s) => s.key === 'applied') ? 'applied' : stages[0].key;
		applicationId = (
			await insertApplication(tx, rt, afterCommit, actor, inbound.requirementId, candidateId, { stage, via: 'careers' })
		).id;
	}
	await tx
		.update(inboundApplications)
		.set({ status: 'processed', processedAt: new Date(), candidateId, applicationId })
		.where(eq(inboundApplications.id, inbound.id));
	return { candidateId, applicationId };
}
