import type { Extension, onChangePayload } from '@hocuspocus/server';
import { and, eq, isNull } from 'drizzle-orm';
import type * as Y from 'yjs';
import { renderDescription } from '$lib/collab/description';
import { parseDocumentName } from '$lib/collab/names';
import { can } from '$lib/permissions';
import type { Actor } from '$lib/server/actor';
import { recordAudit } from '$lib/server/audit/audit';
import type { SessionUser } from '$lib/server/auth/session';
import { requirements } from '$lib/server/db/schema';
import { seesRequirement, scopedRelationsTo } from '$lib/server/requirements/visibility';
import type { Runtime } from '$lib/server/runtime';
import { departmentScope } from '$lib/server/scope/departments';
import type { DocumentAccess } from '../authorize';

/**
 * Who may edit a requirement's description: its hiring manager, recruiters, admins; others read.
 * Refused to a user limited to departments when the requirement is outside them (and not theirs,
 * nor one they approve). The scope is read afresh at every connect.
 */
export async function requirementDescriptionAccess(
	rt: Runtime,
	user: SessionUser,
	ref: { requirementId: string }
): Promise<DocumentAccess> {
	const [row] = await rt.db
		.select({
			id: requirements.id,
			departmentId: requirements.departmentId,
			hiringManagerId: requirements.hiringManagerId,
			createdBy: requirements.createdBy
		})
		.from(requirements)
		.where(and(eq(requirements.id, ref.requirementId), isNull(requirements.deletedAt)));
	if (!row) return 'none';
	const actor: Actor = { userId: user.id, role: user.role };
	const scope = await departmentScope(rt.db, actor);
	if (!(await seesRequirement(rt.db, actor, row, scope))) return 'none';
	const relations = scopedRelationsTo(actor, row, scope);
	if (can(user, 'update', 'requirement_description', relations)) return 'write';
	if (can(user, 'read', 'requirement_description', relations)) return 'read';
	return 'none';
}

const DEBOUNCE_MS = 1000;
const MAX_WAIT_MS = 4000;

interface Pending {
	timer: NodeJS.Timeout;
	firstAt: number;
	document: Y.Doc;
	/** Everyone whose edits this render carries (each gets an audit row). */
	editors: Map<string, SessionUser>;
}

/**
 * Renders each edited description into its requirement row (sanitised HTML + plain text, for
 * search and job postings) at most ~1 s after the last keystroke and never more than 4 s after
 * the first, with an audit row per render for each editor whose changes it carries. Only edits
 * that arrived on this process from a client are rendered here (not those relayed by Redis from
 * another process).
 */
export class DescriptionDerivation implements Extension {
	readonly extensionName = 'description-derivation';
	private readonly pending = new Map<string, Pending>();

	constructor(private readonly rt: Runtime) {}

	async onChange(data: onChangePayload) {
		const ref = parseDocumentName(data.documentName);
		if (ref?.type !== 'requirement_description') return;
		const editor = (data.context as { user?: SessionUser } | undefined)?.user ?? null;
		if (!editor) return;
		const existing = this.pending.get(data.documentName);
		const now = Date.now();
		if (existing) clearTimeout(existing.timer);
		const firstAt = existing?.firstAt ?? now;
		const delay = Math.max(0, Math.min(DEBOUNCE_MS, firstAt + MAX_WAIT_MS - now));
		// Two people typing within one window are both recorded, not only the last one.
		const editors = existing?.editors ?? new Map<string, SessionUser>();
		editors.set(editor.id, editor);
		this.pending.set(data.documentName, {
			firstAt,
			document: data.document,
			editors,
			timer: setTimeout(() => void this.render(data.documentName, ref.requirementId), delay)
		});
	}

	private async render(documentName: string, requirementId: string): Promise<void> {
		const pending = this.pending.get(documentName);
		if (!pending) return;
		this.pending.delete(documentName);
		try {
			await this.rt.db.transaction(async (tx) => {
				const [before] = await tx
					.select({ html: requirements.descriptionHtml })
					.from(requirements)
					.where(eq(requirements.id, requirementId))
					.for('update');
				// Rendered under the row lock: two overlapping renders of one document commit in lock
				// order, each with the document as it is then, so an older render never lands last.
				const { html, text } = renderDescription(pending.document);
				if (!before || before.html === html) return;
				// No version bump: the description is edited live, not through optimistic locking.
				await tx
					.update(requirements)
					.set({ descriptionHtml: html, descriptionText: text })
					.where(eq(requirements.id, requirementId));
				for (const editor of pending.editors.values()) {
					const actor: Actor = { userId: editor.id, role: editor.role, name: editor.name };
					await recordAudit(tx, actor, {
						action: 'requirement.description_edited',
						entityType: 'requirement',
						entityId: requirementId,
						metadata: { characters: text.length, editors: pending.editors.size }
					});
				}
			});
		} catch (err) {
			this.rt.logger.error({ err, documentName }, 'rendering the description failed');
		}
	}

	/** Renders whatever is still waiting (shutdown). */
	async flush(): Promise<void> {
		await Promise.all(
			[...this.pending.entries()].map(([name, p]) => {
				clearTimeout(p.timer);
				const ref = parseDocumentName(name);
				return ref?.type === 'requirement_description' ? this.render(name, ref.requirementId) : Promise.resolve();
			})
		);
	}

	async onDestroy() {
		await this.flush();
	}
}
