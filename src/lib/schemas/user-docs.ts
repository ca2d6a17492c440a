// zod/mini: the account page loads this on phones, and the mini build is a fraction of the size.
import * as z from 'zod/mini';

/**
 * What a user writes about themselves on the device, synced through their user database.
 * Nickname, language, role and country are the server's (`/api/account` and the server-written
 * `profile` document): these documents never repeat them, so the device and the server never
 * write the same document.
 *
 * Error messages are i18n keys under `errors.`.
 */

export const ABOUT_ME_ID = 'about-me';
export const SETTINGS_ID = 'settings';
export const ABOUT_MAX_LENGTH = 1000;
export const LANGUAGES_MAX = 12;

/** Every document carries when and on which device it was last written (conflict resolution). */
const written = {
	_id: z.string(),
	_rev: z.optional(z.string()),
	schema_version: z.literal(1),
	updated_at: z.iso.datetime(),
	device: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/))
};

/** ISO 639 language codes (two or three letters), e.g. `es`, `ast`. */
export const languageCodeSchema = z
	.string()
	.check(z.regex(/^[a-z]{2,3}$/, { error: 'errors.value_invalid' }));

export const aboutMeFieldsSchema = z.object({
	/** A short free text other members may read later ("mum of a boy with …"). */
	about: z.string().check(z.maxLength(ABOUT_MAX_LENGTH, { error: 'errors.about_me_too_long' })),
	/** Languages the user can talk in, beyond the app language. */
	languages: z.array(languageCodeSchema).check(
		z.maxLength(LANGUAGES_MAX, { error: 'errors.about_me_too_many_languages' }),
		z.refine((codes) => new Set(codes).size === codes.length, { error: 'errors.value_invalid' })
	),
	/** Whether the country may be shown on the public profile (the directory). */
	show_country: z.boolean()
});

export type AboutMeFields = z.infer<typeof aboutMeFieldsSchema>;

export const ABOUT_ME_DEFAULTS: AboutMeFields = { about: '', languages: [], show_country: false };

export const aboutMeDocSchema = z.object({
	...written,
	...aboutMeFieldsSchema.shape,
	_id: z.literal(ABOUT_ME_ID),
	type: z.literal('about_me')
});

export type AboutMeDoc = z.infer<typeof aboutMeDocSchema>;

export const UNIT_SYSTEMS = ['metric', 'us'] as const;
export type UnitSystem = (typeof UNIT_SYSTEMS)[number];

/** Preferences that follow the user to every device (per-device ones stay in localStorage). */
export const settingFieldsSchema = z.object({
	/** How weight, height and temperature are asked and shown. */
	units: z.enum(UNIT_SYSTEMS, { error: 'errors.value_invalid' })
});

export type SettingFields = z.infer<typeof settingFieldsSchema>;

export const SETTING_DEFAULTS: SettingFields = { units: 'metric' };

export const settingDocSchema = z.object({
	...written,
	...settingFieldsSchema.shape,
	_id: z.literal(SETTINGS_ID),
	type: z.literal('setting')
});

export type SettingDoc = z.infer<typeof settingDocSchema>;
