import { CONTRACT_TYPES } from '../../domain/interviews';
import { escapeHtml } from '../email/templates';
import type { Offer } from '../db/schema';

const CONTRACT_LABELS: Record<(typeof CONTRACT_TYPES)[number], string> = {
	permanent: 'a permanent contract',
	fixed_term: 'a fixed-term contract',
	contractor: 'a contractor agreement',
	internship: 'an internship'
};

function money(amount: number, currency: string): string {
	try {
		return new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
	} catch {
		return `${amount.toLocaleString('en-GB')} ${currency}`;
	}
}

function longDate(iso: string): string {
	return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
}

export interface LetterContext {
	offer: Offer;
	candidateName: string;
	requirementTitle: string;
	departmentName: string;
	orgName: string;
	signerName: string;
	link: string;
}

/** The offer letter as self-contained HTML (rendered to PDF by Chromium). Every value is escaped. */
export function offerLetterHtml(c: LetterContext): string {
	const o = c.offer;
	const rows: Array<[string, string]> = [
		['Position', `${c.requirementTitle} (${c.departmentName})`],
		['Start date', longDate(o.startDate)],
		['Base salary', `${money(o.baseSalary, o.currency)} per year`],
		...(o.bonus ? ([['Bonus', `${money(o.bonus, o.currency)} per year`]] as Array<[string, string]>) : []),
		...(o.equity ? ([['Equity', o.equity]] as Array<[string, string]>) : []),
		['Contract', CONTRACT_LABELS[o.contractType]],
		['This offer is valid until', longDate(o.expiryDate)]
	];
	return `<!doctype html><html><head><meta charset="utf-8"><title>Offer letter</title>
<style>
body{font-family:Georgia,'Times New Roman',serif;color:#1f2937;font-size:12pt;line-height:1.55}
h1{font-family:Helvetica,Arial,sans-serif;font-size:20pt;margin:0 0 4mm;color:#312e81}
.org{font-family:Helvetica,Arial,sans-serif;font-weight:700;color:#4f46e5;letter-spacing:.04em;text-transform:uppercase;font-size:10pt}
table{border-collapse:collapse;margin:6mm 0;width:100%}
td{padding:2.5mm 3mm;border-bottom:1px solid #e5e7eb;vertical-align:top}
td:first-child{width:42%;color:#6b7280;font-family:Helvetica,Arial,sans-serif;font-size:10pt}
.sign{margin-top:14mm}
.small{font-size:9pt;color:#6b7280;word-break:break-all}
</style></head><body>
<p class="org">${escapeHtml(c.orgName)}</p>
<h1>Offer of employment</h1>
<p>Dear ${escapeHtml(c.candidateName)},</p>
<p>We are delighted to offer you the position of <strong>${escapeHtml(c.requirementTitle)}</strong> at ${escapeHtml(c.orgName)}, on the terms below.</p>
<table>${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
${o.notes ? `<p>${escapeHtml(o.notes).replace(/\n/g, '<br>')}</p>` : ''}
<p>To accept or decline, open your personal link before ${escapeHtml(longDate(o.expiryDate))}:</p>
<p class="small">${escapeHtml(c.link)}</p>
<p class="sign">With best regards,<br>${escapeHtml(c.signerName)}<br>${escapeHtml(c.orgName)}</p>
</body></html>`;
}
