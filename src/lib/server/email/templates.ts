/** A rendered e-mail: subject, HTML body and plain-text body. */
export interface RenderedEmail {
	subject: string;
	html: string;
	text: string;
}

export function escapeHtml(value: string): string {
	return value
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

/** Wraps body HTML in the product's simple, client-safe e-mail layout. */
export function layout(title: string, bodyHtml: string, footer = 'Hiring Hare'): string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f7f9;margin:0;padding:24px">
<table role="presentation" width="100%" style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">
<tr><td><h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(title)}</h1>${bodyHtml}
<p style="color:#6b7280;font-size:12px;margin-top:32px">${escapeHtml(footer)}</p></td></tr></table></body></html>`;
}

export interface WelcomeData {
	name: string;
	email: string;
	role: string;
	invitedBy: string;
	loginUrl: string;
}

/** The e-mail a new user receives when an admin creates their account. */
export function renderWelcome(d: WelcomeData): RenderedEmail {
	const subject = 'Your Hiring Hare account is ready';
	const html = layout(
		`Welcome, ${d.name}`,
		`<p>${escapeHtml(d.invitedBy)} created a Hiring Hare account for you (${escapeHtml(d.email)}) with the role <strong>${escapeHtml(d.role)}</strong>.</p>
<p>Sign in with the password they gave you, then change it from your profile.</p>
<p><a href="${escapeHtml(d.loginUrl)}" style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Sign in</a></p>`
	);
	const text = `Welcome, ${d.name}

${d.invitedBy} created a Hiring Hare account for you (${d.email}) with the role ${d.role}.
Sign in with the password they gave you, then change it from your profile:
${d.loginUrl}
`;
	return { subject, html, text };
}

export interface NotificationEmailData {
	recipientName: string;
	title: string;
	body: string;
	url: string;
	preferencesUrl: string;
}

/** The e-mail copy of an in-app notification. */
export function renderNotificationEmail(d: NotificationEmailData): RenderedEmail {
	const html = layout(
		d.title,
		`<p>Hello ${escapeHtml(d.recipientName)},</p>
<p>${escapeHtml(d.body)}</p>
<p><a href="${escapeHtml(d.url)}" style="display:inline-block;background:#4f46e5;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">Open in Hiring Hare</a></p>`,
		`You receive this because of your notification settings: ${d.preferencesUrl}`
	);
	const text = `Hello ${d.recipientName},

${d.body}

Open in Hiring Hare: ${d.url}

--
Change which e-mails you receive: ${d.preferencesUrl}
`;
	return { subject: d.title, html, text };
}
