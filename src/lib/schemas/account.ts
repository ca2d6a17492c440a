import * as z from 'zod/mini';
import { LOCALES } from '../i18n/locales';
import { isCountryCode } from './countries';

/**
 * Accounts: the request bodies of /api and the documents they create. Shared by the sign-up
 * screens and the gateway, so both refuse the same input with the same error keys.
 * Error messages are i18n keys under `errors.` (the client translates them). zod/mini, as the
 * other schemas the app loads on every member page: the classic API's JSON-schema support
 * (~12 KB gz) was downloaded with every record screen and questionnaire (#22).
 */

/** The terms of use and privacy notice in force; acceptance is stored with this version. */
export const TERMS_VERSION = '2026-11-25';

export const USERNAME_MAX_BYTES = 64;

/** NFC, lower-case, trimmed. Only `[a-z0-9._-]` survives validation. */
export function normalizeUsername(raw: string): string {
	return raw.normalize('NFC').trim().toLowerCase();
}

/** Nicknames are unique regardless of case, accents and spacing. */
export function nicknameKey(nickname: string): string {
	return nickname
		.normalize('NFKD')
		.replace(/\p{M}/gu, '')
		.toLowerCase()
		.replace(/[\s._-]+/g, '');
}

/**
 * Scripts whose letters a nickname may use, one script per nickname (UTS #39 "highly
 * restrictive"): `Аlice1` with a Cyrillic А among Latin letters is refused. Han may go with
 * Hiragana and Katakana (Japanese), Hangul (Korean) or Bopomofo, as UTS #39 allows. Letters of a
 * script not listed here count as one unknown script, which mixes with nothing listed.
 */
const NICKNAME_SCRIPTS = [
	'Latin',
	'Greek',
	'Cyrillic',
	'Armenian',
	'Georgian',
	'Hebrew',
	'Arabic',
	'Syriac',
	'Thaana',
	'Devanagari',
	'Bengali',
	'Gurmukhi',
	'Gujarati',
	'Oriya',
	'Tamil',
	'Telugu',
	'Kannada',
	'Malayalam',
	'Sinhala',
	'Thai',
	'Lao',
	'Tibetan',
	'Myanmar',
	'Khmer',
	'Mongolian',
	'Ethiopic',
	'Cherokee',
	'Tifinagh',
	'Canadian_Aboriginal',
	'Hangul',
	'Hiragana',
	'Katakana',
	'Bopomofo',
	'Han'
] as const;

/** UTS #39 augmented script sets: the writing systems a script's letters may belong to. */
const AUGMENTED: Partial<Record<(typeof NICKNAME_SCRIPTS)[number], string[]>> = {
	Han: ['Han', 'Japanese', 'Korean', 'Chinese'],
	Hiragana: ['Japanese'],
	Katakana: ['Japanese'],
	Hangul: ['Korean'],
	Bopomofo: ['Chinese']
};

let scriptPatterns: [string, RegExp][] | undefined;

/** Whether the letters of `text` come from more than one writing system (UTS #39). */
export function isMixedScript(text: string): boolean {
	scriptPatterns ??= NICKNAME_SCRIPTS.map((name) => [
		name,
		new RegExp(`\\p{Script_Extensions=${name}}`, 'u')
	]);
	let common: Set<string> | undefined;
	for (const char of text.normalize('NFD')) {
		// Digits, spaces, punctuation and combining marks go with any script.
		if (/[\p{Script=Common}\p{Script=Inherited}]/u.test(char)) continue;
		const sets = new Set<string>();
		for (const [name, pattern] of scriptPatterns) {
			if (pattern.test(char)) {
				for (const each of AUGMENTED[name as keyof typeof AUGMENTED] ?? [name]) sets.add(each);
			}
		}
		if (sets.size === 0) sets.add('unknown');
		common = common === undefined ? sets : new Set([...common].filter((each) => sets.has(each)));
		if (common.size === 0) return true;
	}
	return false;
}

export const usernameSchema = z.pipe(
	z.pipe(z.string({ error: 'errors.username_invalid' }), z.transform(normalizeUsername)),
	z.string().check(
		z.minLength(3, { error: 'errors.username_too_short' }),
		z.refine((value) => new TextEncoder().encode(value).length <= USERNAME_MAX_BYTES, {
			error: 'errors.username_too_long'
		}),
		z.regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'errors.username_invalid' })
	)
);

export const nicknameSchema = z.pipe(
	z.pipe(
		z.string({ error: 'errors.nickname_invalid' }),
		z.transform((value: string) => value.normalize('NFC').trim().replace(/\s+/g, ' '))
	),
	z.string().check(
		z.minLength(2, { error: 'errors.nickname_too_short' }),
		z.maxLength(40, { error: 'errors.nickname_too_long' }),
		z.regex(/^[\p{L}\p{N}][\p{L}\p{N} ._'-]*$/u, { error: 'errors.nickname_invalid' }),
		z.refine((value) => nicknameKey(value).length >= 2, { error: 'errors.nickname_too_short' }),
		z.refine((value) => !isMixedScript(value), { error: 'errors.nickname_mixed_scripts' })
	)
);

export const PASSWORD_MIN_LENGTH = 10;

/** Length and type only; "contains the username" and "too common" are checked with context. */
export const passwordSchema = z
	.string({ error: 'errors.password_invalid' })
	.check(
		z.minLength(PASSWORD_MIN_LENGTH, { error: 'errors.password_too_short' }),
		z.maxLength(256, { error: 'errors.password_too_long' })
	);

export const ACCOUNT_ROLES = ['patient', 'caregiver', 'both'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/** ISO 3166-1 alpha-2, upper-case, an assigned code. */
export const countrySchema = z
	.string({ error: 'errors.country_invalid' })
	.check(z.refine(isCountryCode, { error: 'errors.country_invalid' }));

export const languageSchema = z.enum(LOCALES, { error: 'errors.language_invalid' });

export const signupSchema = z.strictObject(
	{
		username: usernameSchema,
		nickname: nicknameSchema,
		password: passwordSchema,
		language: languageSchema,
		role: z.enum(ACCOUNT_ROLES, { error: 'errors.role_invalid' }),
		country: countrySchema,
		terms_version: z.literal(TERMS_VERSION, { error: 'errors.terms_not_accepted' })
	},
	{ error: 'errors.body_invalid' }
);
export type SignupRequest = z.input<typeof signupSchema>;

export const changePasswordSchema = z.strictObject(
	{
		current_password: z
			.string({ error: 'errors.password_invalid' })
			.check(z.minLength(1), z.maxLength(256)),
		new_password: passwordSchema
	},
	{ error: 'errors.body_invalid' }
);

export const changeNicknameSchema = z.strictObject(
	{ nickname: nicknameSchema },
	{ error: 'errors.body_invalid' }
);

export const changeLanguageSchema = z.strictObject(
	{ language: languageSchema },
	{ error: 'errors.body_invalid' }
);

export const deleteAccountSchema = z.strictObject(
	{
		/** The user types their username to confirm. */
		confirm: z.string({ error: 'errors.confirm_mismatch' }).check(z.maxLength(128)),
		password: z.string({ error: 'errors.password_invalid' }).check(z.minLength(1), z.maxLength(256))
	},
	{ error: 'errors.body_invalid' }
);

/** Whether a password is too close to the username (contains it, either way round). */
export function passwordContainsUsername(password: string, username: string): boolean {
	const p = password.toLowerCase();
	const u = normalizeUsername(username);
	return u.length >= 3 && (p.includes(u) || p.includes([...u].reverse().join('')));
}

/** Access to a patient record, as the API names it (`_users` roles `patient:<uuid>:edit|view`). */
export const PATIENT_ACCESS = ['editor', 'viewer'] as const;
export type PatientAccessRole = (typeof PATIENT_ACCESS)[number];

/** The account profile as the client sees it (GET /api/account). */
export const accountProfileSchema = z.object({
	username: z.string(),
	nickname: z.string(),
	language: languageSchema,
	role: z.enum(ACCOUNT_ROLES),
	country: z.string(),
	roles: z.array(z.string()),
	user_db: z.string(),
	/** Every patient db the account may read (edit or view); see `patients` for the access. */
	patient_dbs: z.array(z.string()),
	/** The same records with the access held; absent from servers before patient sharing. */
	patients: z._default(
		z.array(z.object({ patient_id: z.string(), db: z.string(), role: z.enum(PATIENT_ACCESS) })),
		[]
	),
	/** The patient's own record (patient or both accounts), made at sign-up. */
	own_patient_id: z.optional(z.string()),
	terms: z.object({ version: z.string(), accepted_at: z.string() })
});
export type AccountProfile = z.infer<typeof accountProfileSchema>;

export { isApiError, type ApiError } from './api-error';

/** Hex of the UTF-8 username: CouchDB's userdb naming, safe for any allowed username. */
export function userDbName(username: string): string {
	// TextEncoder, not Buffer: this file runs in the browser too.
	const hex = Array.from(new TextEncoder().encode(username), (byte) =>
		byte.toString(16).padStart(2, '0')
	).join('');
	return `userdb-${hex}`;
}

/** The answer of `POST /api/signup` (201). */
export const signupResultSchema = z.object({
	username: z.string(),
	user_db: z.string(),
	patient_db: z.optional(z.string())
});
export type SignupResult = z.infer<typeof signupResultSchema>;
