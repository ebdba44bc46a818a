/** The API's answers about offers, as the offer pages and components use them (snake_case). */
import type { ChainRound } from '$lib/api/client';
import type { ContractType, OfferStatus } from '$lib/domain/interviews';

export const OFFER_STATUS_LABELS: Record<OfferStatus, string> = {
	draft: 'Draft',
	pending_approval: 'Pending approval',
	approved: 'Approved',
	extended: 'Extended',
	accepted: 'Accepted',
	declined: 'Declined',
	expired: 'Expired',
	withdrawn: 'Withdrawn'
};

export const CONTRACT_TYPE_LABELS: Record<ContractType, string> = {
	permanent: 'Permanent',
	fixed_term: 'Fixed term',
	contractor: 'Contractor',
	internship: 'Internship'
};

/** An offer as GET /api/v1/offers/:id answers it (snake_case, dates as ISO strings). */
export interface OfferView {
	id: string;
	application_id: string;
	requirement_id: string;
	candidate_id: string;
	base_salary: number;
	currency: string;
	bonus: number | null;
	equity: string | null;
	start_date: string;
	expiry_date: string;
	contract_type: ContractType;
	notes: string | null;
	status: OfferStatus;
	version: number;
	created_by: string | null;
	submitted_by: string | null;
	submitted_at: string | null;
	approved_at: string | null;
	extended_at: string | null;
	responded_at: string | null;
	decline_reason: string | null;
	letter_file_hash: string | null;
	created_at: string;
	updated_at: string;
	candidate_name: string | null;
	candidate_email: string | null;
	requirement_title: string;
	above_band: boolean;
	/** The approval chain, newest round first. */
	approvals: ChainRound[];
}

/** One row of GET /api/v1/offers. */
export interface OfferListItem {
	id: string;
	application_id: string;
	requirement_id: string;
	candidate_id: string;
	base_salary: number;
	currency: string;
	bonus: number | null;
	start_date: string;
	expiry_date: string;
	contract_type: ContractType;
	status: OfferStatus;
	created_at: string;
	updated_at: string;
	candidate_name: string;
	requirement_title: string;
}

/** A job level's salary band, shown beside the salary. */
export interface SalaryBand {
	name: string;
	min: number | null;
	max: number | null;
	currency: string | null;
}
