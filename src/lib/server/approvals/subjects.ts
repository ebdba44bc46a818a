import type { ApprovalSubjectType } from '../../domain/approvals';
import { offerApprovalHandlers } from '../offers/approval-handlers';
import { requirementApprovalHandlers } from '../requirements/approval-handlers';
import type { SubjectHandlers } from './types';

/** What each kind of approved thing does when its chain ends. */
export const subjectHandlers: Partial<Record<ApprovalSubjectType, SubjectHandlers>> = {
	requirement: requirementApprovalHandlers,
	offer: offerApprovalHandlers
};
