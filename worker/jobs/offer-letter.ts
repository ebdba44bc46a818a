import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { SYSTEM_ACTOR } from '$lib/server/actor';
import { recordAudit } from '$lib/server/audit/audit';
import { candidates, departments, offers, requirements, users } from '$lib/server/db/schema';
import { escapeHtml, layout } from '$lib/server/email/templates';
import { storeFile } from '$lib/server/files/storage';
import { defineJob, exponentialBackoff, PermanentJobError } from '$lib/server/jobs/types';
import { offerLetterHtml } from '$lib/server/offers/letter';
import { candidateLink } from '$lib/server/offers/service';
import { ChromiumUnavailable, renderPdf } from '$lib/server/pdf';

/**
 * Renders the offer letter of an extended offer to PDF (Chromium), stores it, and e-mails it
 * to the candidate with their personal accept/decline link. Without Chromium the e-mail still
 * goes out, with the letter in its body, and the job result says so.
 */
export const generateOfferLetterJob = defineJob({
	kind: 'offers.letter',
	input: z.object({ offerId: z.string().uuid() }),
	maxAttempts: 3,
	backoffMs: exponentialBackoff(10_000),
	async perform({ offerId }, { runtime: rt, progress }) {
		const [row] = await rt.db
			.select({
				offer: offers,
				candidateName: candidates.name,
				candidateEmails: candidates.emails,
				requirementTitle: requirements.title,
				departmentName: departments.name,
				signerName: users.name
			})
			.from(offers)
			.innerJoin(candidates, eq(candidates.id, offers.candidateId))
			.innerJoin(requirements, eq(requirements.id, offers.requirementId))
			.innerJoin(departments, eq(departments.id, requirements.departmentId))
			.leftJoin(users, eq(users.id, offers.createdBy))
			.where(eq(offers.id, offerId));
		if (!row) throw new PermanentJobError('The offer no longer exists');
		if (row.offer.status !== 'extended' || !row.offer.linkNonce) return { skipped: `offer is ${row.offer.status}` };
		const to = row.candidateEmails[0];
		if (!to) throw new PermanentJobError('The candidate has no e-mail address');
		const link = candidateLink(rt, row.offer);
		const html = offerLetterHtml({
			offer: row.offer,
			candidateName: row.candidateName,
			requirementTitle: row.requirementTitle,
			departmentName: row.departmentName,
			orgName: rt.config.ORG_NAME,
			signerName: row.signerName ?? rt.config.ORG_NAME,
			link
		});
		let pdf: Buffer | null = null;
		let pdfError: string | null = null;
		try {
			pdf = await renderPdf(html, rt.config.CHROMIUM_PATH);
		} catch (err) {
			if (!(err instanceof ChromiumUnavailable)) throw err;
			pdfError = err.message;
		}
		await progress(60, pdf ? 'letter rendered' : 'no PDF renderer: sending the letter in the e-mail');
		if (pdf) {
			const stored = await storeFile(rt.config.DATA_DIR, pdf);
			await rt.db.transaction(async (tx) => {
				await tx.update(offers).set({ letterFileHash: stored.hash }).where(eq(offers.id, offerId));
				await recordAudit(tx, SYSTEM_ACTOR, {
					action: 'offer.letter_generated',
					entityType: 'offer',
					entityId: offerId,
					metadata: { file_hash: stored.hash, bytes: stored.size }
				});
			});
		}
		const subject = `Your offer from ${rt.config.ORG_NAME}: ${row.requirementTitle}`;
		const sent = await rt.mailer.send({
			to,
			subject,
			html: layout(
				subject,
				`<p>Dear ${escapeHtml(row.candidateName)},</p><p>We are delighted to make you an offer. ${pdf ? 'Your offer letter is attached.' : ''}</p>
<p><a href="${escapeHtml(link)}" style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Review and respond</a></p>
${pdf ? '' : `<hr>${html.replace(/^[\s\S]*<body>|<\/body>[\s\S]*$/g, '')}`}`
			),
			text: `Dear ${row.candidateName},\n\nWe are delighted to make you an offer for ${row.requirementTitle}.${pdf ? ' Your offer letter is attached.' : ''}\n\nReview and respond: ${link}\n`,
			attachments: pdf ? [{ filename: 'offer-letter.pdf', content: pdf, contentType: 'application/pdf' }] : undefined
		});
		return { to, pdf: !!pdf, pdfError, messageId: sent.messageId };
	}
});
