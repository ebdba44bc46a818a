import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../observability/logger';

export interface EmailMessage {
	to: string | string[];
	subject: string;
	html: string;
	text: string;
	attachments?: Array<{ filename: string; content: string | Buffer; contentType?: string }>;
	/** A calendar invitation (text/calendar; method=…) that mail clients show as an event. */
	icalEvent?: { method: 'REQUEST' | 'CANCEL' | 'PUBLISH'; filename: string; content: string };
	/** Extra headers, for example a stable Message-ID for threading. */
	headers?: Record<string, string>;
}

export interface SentEmail {
	messageId: string;
	transport: 'smtp' | 'file';
	/** Where the .eml was written, with the file transport. */
	file?: string;
}

export interface Mailer {
	send(message: EmailMessage): Promise<SentEmail>;
	/** Checks the SMTP connection (no-op for the file transport). */
	verify(): Promise<void>;
	close(): void;
}

export interface MailerOptions {
	smtpUrl?: string;
	/** Without SMTP, messages are written here as .eml files. */
	outboxDir: string;
	from: string;
	logger: Logger;
}

/** SMTP through nodemailer when SMTP_URL is set; otherwise .eml files under DATA_DIR/outbox. */
export function createMailer(options: MailerOptions): Mailer {
	const { logger } = options;
	if (options.smtpUrl) {
		// nodemailer waits up to 10 minutes on a silent server by default; a job should fail (and
		// retry with backoff) long before that.
		const transport = nodemailer.createTransport({
			url: options.smtpUrl,
			connectionTimeout: 15_000,
			greetingTimeout: 15_000,
			socketTimeout: 60_000
		});
		return {
			async send(message) {
				const info = await transport.sendMail({ from: options.from, ...message });
				logger.info({ to: message.to, subject: message.subject, messageId: info.messageId }, 'email sent');
				return { messageId: info.messageId, transport: 'smtp' };
			},
			async verify() {
				await transport.verify();
			},
			close: () => transport.close()
		};
	}
	const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
	return {
		async send(message) {
			const info = await transport.sendMail({ from: options.from, ...message });
			await mkdir(options.outboxDir, { recursive: true });
			const safeId = info.messageId.replace(/[^a-zA-Z0-9@._-]/g, '');
			const file = path.join(options.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${safeId}.eml`);
			await writeFile(file, info.message as Buffer);
			logger.info({ to: message.to, subject: message.subject, file }, 'email written to outbox (no SMTP_URL)');
			return { messageId: info.messageId, transport: 'file', file };
		},
		async verify() {},
		close: () => transport.close()
	};
}
