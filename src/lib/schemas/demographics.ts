import * as z from 'zod/mini';
import { countrySchema } from './account';
import { PATIENT_RELATIONS, PATIENT_SEXES, birthMonthSchema } from './patient';

/**
 * The demographics a person types into a form (adding a record, or correcting one): the same
 * rules as the stored document (`patientDocSchema`), plus a birth month that is not in the
 * future. Year and month come from two lists; anything not chosen yet is ''.
 */
export interface DemographicsInput {
	relation: string;
	year: string;
	month: string;
	sex: string;
	country: string;
}

/** The form field each refusal belongs beside. */
export type DemographicsField = 'relation' | 'birth' | 'sex' | 'country';

export function demographicsSchema(today: Date) {
	const thisMonth = today.toISOString().slice(0, 7);
	return z.object({
		relation: z.enum(PATIENT_RELATIONS, { error: 'errors.relation_invalid' }),
		birth: birthMonthSchema.check(
			z.refine((birth) => birth <= thisMonth, { error: 'errors.birth_month_invalid' })
		),
		sex: z.enum(PATIENT_SEXES, { error: 'errors.sex_invalid' }),
		country: countrySchema
	});
}

export type ParsedDemographics = z.infer<ReturnType<typeof demographicsSchema>>;

/** The valid demographics, or an i18n key per field that refuses its value. */
export function parseDemographics(
	input: DemographicsInput,
	today: Date = new Date()
):
	| { success: true; data: ParsedDemographics }
	| { success: false; errors: Partial<Record<DemographicsField, string>> } {
	const parsed = demographicsSchema(today).safeParse({
		relation: input.relation,
		birth: `${input.year}-${input.month}`,
		sex: input.sex,
		country: input.country
	});
	if (parsed.success) return { success: true, data: parsed.data };
	const errors: Partial<Record<DemographicsField, string>> = {};
	for (const issue of parsed.error.issues) {
		const field = issue.path[0] as DemographicsField;
		errors[field] ??= issue.message;
	}
	return { success: false, errors };
}

const FIELD_OF_ERROR: ReadonlyMap<string, DemographicsField> = new Map([
	['errors.relation_invalid', 'relation'],
	['errors.birth_month_invalid', 'birth'],
	['errors.sex_invalid', 'sex'],
	['errors.country_invalid', 'country']
]);

/** The field a refusal belongs beside (the data layer refuses with the same keys), if any. */
export function demographicsFieldOf(key: string): DemographicsField | undefined {
	return FIELD_OF_ERROR.get(key);
}

/** A stored `YYYY-MM` split for the year and month lists. */
export function splitBirthMonth(birth: string): { year: string; month: string } {
	const [year = '', month = ''] = birth.split('-');
	return { year, month };
}
