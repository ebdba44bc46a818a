import type { ApprovalSubjectType } from '../../domain/approvals';
import type { Actor } from '../actor';
import type { Transaction } from '../db/client';
import type { AfterCommit } from '../db/transaction';
import type { Runtime } from '../runtime';

/** One unit of work: the runtime, who acts, and the open transaction. */
export interface Unit {
	rt: Runtime;
	actor: Actor;
	tx: Transaction;
	afterCommit: AfterCommit;
}

/** What the approval engine needs to know about the thing being approved. */
export interface ApprovalSubject {
	type: ApprovalSubjectType;
	id: string;
	title: string;
	/** Path of its page, for notifications. */
	link: string;
	departmentId: string | null;
	jobLevelId: string | null;
	/** Salary compared with a workflow's threshold (top of a requirement's range, an offer's base). */
	salary: number | null;
	/** Offers: above the job level's band. */
	aboveBand: boolean;
	/** Who asked (receives info requests and the outcome). */
	submitterId: string;
	/** People who may never approve it (nobody approves their own request). */
	ownerIds: string[];
}

/** What happens to the subject when its chain ends. Each subject type provides these. */
export interface SubjectHandlers {
	load(unit: Unit, id: string): Promise<ApprovalSubject | null>;
	onApproved(unit: Unit, subject: ApprovalSubject): Promise<void>;
	onRejected(unit: Unit, subject: ApprovalSubject, comment: string | null): Promise<void>;
	onInfoRequested(unit: Unit, subject: ApprovalSubject, comment: string | null): Promise<void>;
}
