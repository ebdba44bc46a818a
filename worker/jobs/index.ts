import type { JobDefinition } from '$lib/server/jobs/types';
import { approvalRemindersJob } from './approval-reminders';
import { jobDescriptionJob } from './ai-job-description';
import { marketResearchJob } from './ai-market-research';
import { screenApplicationJob } from './ai-screen';
import { extractDocumentTextJob } from './extract-document-text';
import { importCandidatesJob } from './import-candidates';
import { sendInterviewInvitationJob } from './interview-invitation';
import { interviewMaintenanceJob } from './interview-maintenance';
import { generateOfferLetterJob } from './offer-letter';
import { sendNotificationEmailJob } from './notification-email';
import { sendEmailJob } from './send-email';
import { importSmartRecruitersJob } from './sourcing-smartrecruiters';

/** Every job kind the product knows. Both runners (in-process and BullMQ) take this list. */
export const jobDefinitions: JobDefinition[] = [
	sendEmailJob,
	sendNotificationEmailJob,
	approvalRemindersJob,
	extractDocumentTextJob,
	importCandidatesJob,
	sendInterviewInvitationJob,
	generateOfferLetterJob,
	interviewMaintenanceJob,
	screenApplicationJob,
	jobDescriptionJob,
	marketResearchJob,
	importSmartRecruitersJob
];
