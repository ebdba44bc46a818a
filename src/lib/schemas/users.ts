import { z } from 'zod';
import { ROLES } from '../roles';

/** Shared by the forms (client-side validation) and the API (server-side validation). */
export const MIN_PASSWORD = 12;

export const emailField = z
	.string({ error: 'E-mail is required' })
	.trim()
	.toLowerCase()
	.max(254, 'E-mail is too long')
	.pipe(z.email({ error: 'Enter a valid e-mail address' }));

export const passwordField = z
	.string({ error: 'Password is required' })
	.min(MIN_PASSWORD, `Password must be at least ${MIN_PASSWORD} characters`)
	.max(256, 'Password must be at most 256 characters');

export const nameField = z
	.string({ error: 'Name is required' })
	.trim()
	.min(1, 'Name is required')
	.max(200, 'Name must be at most 200 characters');

export const roleField = z.enum(ROLES, { error: `Role must be one of: ${ROLES.join(', ')}` });

export const registerInput = z.object({ email: emailField, name: nameField, password: passwordField });
export type RegisterInput = z.infer<typeof registerInput>;

export const loginInput = z.object({
	email: emailField,
	password: z.string({ error: 'Password is required' }).min(1, 'Password is required').max(256)
});
export type LoginInput = z.infer<typeof loginInput>;

/**
 * The departments a user works for (admins set it; it replaces the set). Empty: the whole
 * organisation. Each must be an existing department (checked by the service).
 */
export const departmentIdsField = z
	.array(z.uuid({ error: 'Each department id must be a UUID' }), {
		error: 'department_ids must be a list of department ids'
	})
	.max(200, 'At most 200 departments')
	.refine((ids) => new Set(ids).size === ids.length, { message: 'A department is listed twice' });

export const createUserInput = z.object({
	email: emailField,
	name: nameField,
	password: passwordField,
	role: roleField,
	department_ids: departmentIdsField.optional()
});
export type CreateUserInput = z.infer<typeof createUserInput>;

export const updateUserInput = z
	.object({
		name: nameField.optional(),
		role: roleField.optional(),
		is_active: z.boolean({ error: 'is_active must be true or false' }).optional(),
		password: passwordField.optional(),
		email_preferences: z
			.record(z.string().max(100), z.boolean({ error: 'Each e-mail preference must be true or false' }))
			.refine((v) => Object.keys(v).length <= 100, { message: 'At most 100 e-mail preferences' })
			.optional(),
		/** The version the client based its change on (optimistic locking): stale → 409. */
		department_ids: departmentIdsField.optional(),
		version: z.number({ error: 'version must be a whole number' }).int().min(1).optional()
	})
	.strict()
	.refine((v) => Object.keys(v).some((k) => k !== 'version'), { message: 'Nothing to change' });
export type UpdateUserInput = z.infer<typeof updateUserInput>;

export const changeOwnPasswordInput = z.object({
	current_password: z.string({ error: 'Current password is required' }).min(1, 'Current password is required').max(256),
	new_password: passwordField
});
export type ChangeOwnPasswordInput = z.infer<typeof changeOwnPasswordInput>;

export const listUsersQuery = z.object({
	page: z.coerce.number().int().min(1).default(1),
	page_size: z.coerce.number().int().min(1).max(100).default(20),
	q: z.string().trim().max(200).optional(),
	role: roleField.optional(),
	active: z.enum(['true', 'false']).optional()
});
