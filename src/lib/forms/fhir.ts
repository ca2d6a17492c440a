// zod/mini: the form view loads this on phones; the full zod build is several times larger.
import * as z from 'zod/mini';

/**
 * The subset of FHIR R4 `Questionnaire` and `QuestionnaireResponse` the engine reads and
 * writes. Unknown elements are kept (objects are loose) so `analyze()` can list them; the
 * schema only rejects content that is not valid FHIR for the elements we use.
 */

export interface Extension {
	url: string;
	valueString?: string;
	valueCode?: string;
	valueInteger?: number;
	valueDecimal?: number;
	valueBoolean?: boolean;
	valueDate?: string;
	valueDateTime?: string;
	valueTime?: string;
	valueCoding?: Coding;
	valueQuantity?: Quantity;
	valueCodeableConcept?: { coding?: Coding[]; text?: string };
	valueExpression?: Expression;
	extension?: Extension[];
	[key: string]: unknown;
}

/** `_text`, `_title`, `_display`: the FHIR primitive extension holder. */
export interface PrimitiveExtensions {
	extension?: Extension[];
	[key: string]: unknown;
}

export interface Coding {
	system?: string;
	version?: string;
	code?: string;
	display?: string;
	_display?: PrimitiveExtensions;
	extension?: Extension[];
	[key: string]: unknown;
}

export interface Quantity {
	value?: number;
	unit?: string;
	system?: string;
	code?: string;
	comparator?: string;
	[key: string]: unknown;
}

export interface Expression {
	name?: string;
	language: string;
	expression?: string;
	description?: string;
	[key: string]: unknown;
}

export interface Reference {
	reference?: string;
	display?: string;
	[key: string]: unknown;
}

export const ITEM_TYPES = [
	'group',
	'display',
	'boolean',
	'decimal',
	'integer',
	'date',
	'dateTime',
	'time',
	'string',
	'text',
	'url',
	'choice',
	'open-choice',
	'quantity'
] as const;
/** The item types the engine fills; FHIR R4 also has attachment, reference and question. */
export type ItemType = (typeof ITEM_TYPES)[number];

export function isSupportedItemType(type: string): type is ItemType {
	return (ITEM_TYPES as readonly string[]).includes(type);
}

export const ENABLE_WHEN_OPERATORS = ['exists', '=', '!=', '>', '<', '>=', '<='] as const;
export type EnableWhenOperator = (typeof ENABLE_WHEN_OPERATORS)[number];

/** The value[x] names an answer, an initial value or an enableWhen answer may carry. */
export const VALUE_KEYS = [
	'valueBoolean',
	'valueDecimal',
	'valueInteger',
	'valueDate',
	'valueDateTime',
	'valueTime',
	'valueString',
	'valueUri',
	'valueCoding',
	'valueQuantity'
] as const;
export type ValueKey = (typeof VALUE_KEYS)[number];

/** One FHIR value[x]: exactly one of the keys is set. */
export interface AnswerValue {
	valueBoolean?: boolean;
	valueDecimal?: number;
	valueInteger?: number;
	valueDate?: string;
	valueDateTime?: string;
	valueTime?: string;
	valueString?: string;
	valueUri?: string;
	valueCoding?: Coding;
	valueQuantity?: Quantity;
}

export interface EnableWhen {
	question: string;
	operator: EnableWhenOperator;
	answerBoolean?: boolean;
	answerDecimal?: number;
	answerInteger?: number;
	answerDate?: string;
	answerDateTime?: string;
	answerTime?: string;
	answerString?: string;
	answerCoding?: Coding;
	answerQuantity?: Quantity;
	[key: string]: unknown;
}

export interface AnswerOption extends AnswerValue {
	initialSelected?: boolean;
	extension?: Extension[];
	[key: string]: unknown;
}

export interface QuestionnaireItem {
	linkId: string;
	type: string;
	text?: string;
	_text?: PrimitiveExtensions;
	prefix?: string;
	required?: boolean;
	repeats?: boolean;
	readOnly?: boolean;
	maxLength?: number;
	enableWhen?: EnableWhen[];
	enableBehavior?: 'all' | 'any';
	answerOption?: AnswerOption[];
	answerValueSet?: string;
	initial?: AnswerValue[];
	item?: QuestionnaireItem[];
	extension?: Extension[];
	modifierExtension?: Extension[];
	[key: string]: unknown;
}

export interface Questionnaire {
	resourceType: 'Questionnaire';
	id?: string;
	url: string;
	version: string;
	name?: string;
	title?: string;
	_title?: PrimitiveExtensions;
	status: 'draft' | 'active' | 'retired' | 'unknown';
	language?: string;
	item?: QuestionnaireItem[];
	extension?: Extension[];
	modifierExtension?: Extension[];
	[key: string]: unknown;
}

export interface ResponseAnswer extends AnswerValue {
	item?: ResponseItem[];
}

export interface ResponseItem {
	linkId: string;
	text?: string;
	answer?: ResponseAnswer[];
	item?: ResponseItem[];
}

export const RESPONSE_STATUSES = ['in-progress', 'completed', 'amended'] as const;
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];

export interface QuestionnaireResponse {
	resourceType: 'QuestionnaireResponse';
	id?: string;
	/** `<url>|<version>` */
	questionnaire: string;
	status: ResponseStatus;
	subject?: Reference;
	authored?: string;
	author?: Reference;
	meta?: { versionId?: string; lastUpdated?: string };
	item?: ResponseItem[];
	[key: string]: unknown;
}

// ----- schemas -------------------------------------------------------------------------------

const finiteNumber = z.number().check(z.refine(Number.isFinite, 'expected a finite number'));
const integer = z.int();

const extensionSchema: z.ZodMiniType<Extension> = z.looseObject({
	url: z.string().check(z.minLength(1)),
	get extension() {
		return z.optional(z.array(extensionSchema));
	}
}) as unknown as z.ZodMiniType<Extension>;
const extensions = z.optional(z.array(extensionSchema));
const primitiveExtensions = z.optional(z.looseObject({ extension: extensions }));

const codingSchema = z.looseObject({
	system: z.optional(z.string()),
	version: z.optional(z.string()),
	code: z.optional(z.string()),
	display: z.optional(z.string()),
	_display: primitiveExtensions,
	extension: extensions
});

const quantitySchema = z.looseObject({
	value: z.optional(finiteNumber),
	unit: z.optional(z.string()),
	system: z.optional(z.string()),
	code: z.optional(z.string()),
	comparator: z.optional(z.enum(['<', '<=', '>=', '>']))
});

/** FHIR primitive formats (the regular expressions of the R4 spec, simplified). */
export const FHIR_DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
export const FHIR_DATE_TIME =
	/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)))?)?)?$/;
export const FHIR_TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?$/;

const valueShape = {
	valueBoolean: z.optional(z.boolean()),
	valueDecimal: z.optional(finiteNumber),
	valueInteger: z.optional(integer),
	valueDate: z.optional(z.string().check(z.regex(FHIR_DATE, 'expected a FHIR date'))),
	valueDateTime: z.optional(z.string().check(z.regex(FHIR_DATE_TIME, 'expected a FHIR dateTime'))),
	valueTime: z.optional(z.string().check(z.regex(FHIR_TIME, 'expected a FHIR time'))),
	valueString: z.optional(z.string()),
	valueUri: z.optional(z.string()),
	valueCoding: z.optional(codingSchema),
	valueQuantity: z.optional(quantitySchema)
};

const oneValue = z.refine<object>(
	(value) => VALUE_KEYS.filter((key) => key in value).length === 1,
	'expected exactly one value[x]'
);

const enableWhenSchema = z.looseObject({
	question: z.string().check(z.minLength(1)),
	operator: z.enum(ENABLE_WHEN_OPERATORS),
	answerBoolean: z.optional(z.boolean()),
	answerDecimal: z.optional(finiteNumber),
	answerInteger: z.optional(integer),
	answerDate: z.optional(z.string().check(z.regex(FHIR_DATE, 'expected a FHIR date'))),
	answerDateTime: z.optional(z.string().check(z.regex(FHIR_DATE_TIME, 'expected a FHIR dateTime'))),
	answerTime: z.optional(z.string().check(z.regex(FHIR_TIME, 'expected a FHIR time'))),
	answerString: z.optional(z.string()),
	answerCoding: z.optional(codingSchema),
	answerQuantity: z.optional(quantitySchema)
});

const itemSchema: z.ZodMiniType<QuestionnaireItem> = z.looseObject({
	linkId: z.string().check(z.minLength(1), z.maxLength(255)),
	type: z.string().check(z.minLength(1)),
	text: z.optional(z.string()),
	_text: primitiveExtensions,
	prefix: z.optional(z.string()),
	required: z.optional(z.boolean()),
	repeats: z.optional(z.boolean()),
	readOnly: z.optional(z.boolean()),
	maxLength: z.optional(z.int().check(z.positive())),
	enableWhen: z.optional(
		z.array(
			enableWhenSchema.check(
				z.refine(
					(condition) =>
						Object.keys(condition).filter((key) => key.startsWith('answer')).length === 1,
					'expected exactly one answer[x]'
				)
			)
		)
	),
	enableBehavior: z.optional(z.enum(['all', 'any'])),
	answerOption: z.optional(
		z.array(
			z
				.looseObject({
					...valueShape,
					initialSelected: z.optional(z.boolean()),
					extension: extensions
				})
				.check(oneValue)
		)
	),
	answerValueSet: z.optional(z.string()),
	initial: z.optional(z.array(z.looseObject(valueShape).check(oneValue))),
	get item() {
		return z.optional(z.array(itemSchema));
	},
	extension: extensions,
	modifierExtension: extensions
}) as unknown as z.ZodMiniType<QuestionnaireItem>;

export const questionnaireSchema = z.looseObject({
	resourceType: z.literal('Questionnaire'),
	id: z.optional(z.string()),
	url: z.url(),
	version: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[^|]+$/, 'no "|"')),
	name: z.optional(z.string()),
	title: z.optional(z.string()),
	_title: primitiveExtensions,
	status: z.enum(['draft', 'active', 'retired', 'unknown']),
	language: z.optional(z.string()),
	item: z.optional(z.array(itemSchema)),
	extension: extensions,
	modifierExtension: extensions
});

const responseItemSchema: z.ZodMiniType<ResponseItem> = z.strictObject({
	linkId: z.string().check(z.minLength(1)),
	text: z.optional(z.string()),
	get answer() {
		return z.optional(z.array(responseAnswerSchema));
	},
	get item() {
		return z.optional(z.array(responseItemSchema));
	}
}) as unknown as z.ZodMiniType<ResponseItem>;

const responseAnswerSchema: z.ZodMiniType<ResponseAnswer> = z
	.strictObject({
		...valueShape,
		get item() {
			return z.optional(z.array(responseItemSchema));
		}
	})
	.check(oneValue) as unknown as z.ZodMiniType<ResponseAnswer>;

const referenceSchema = z.looseObject({
	reference: z.optional(z.string()),
	display: z.optional(z.string())
});

/** A stored response: FHIR fields plus whatever the storing document adds (`_id`, `type`…). */
export const questionnaireResponseSchema = z.looseObject({
	resourceType: z.literal('QuestionnaireResponse'),
	id: z.optional(z.string()),
	questionnaire: z.string().check(z.regex(/^[^|]+\|[^|]+$/, 'expected "<url>|<version>"')),
	status: z.enum(RESPONSE_STATUSES),
	subject: z.optional(referenceSchema),
	authored: z.optional(z.iso.datetime({ offset: true })),
	author: z.optional(referenceSchema),
	meta: z.optional(
		z.looseObject({ versionId: z.optional(z.string()), lastUpdated: z.optional(z.string()) })
	),
	item: z.optional(z.array(responseItemSchema))
});

export interface SchemaIssue {
	/** Dotted path into the JSON, e.g. `item.2.enableWhen.0.operator`. */
	path: string;
	message: string;
}

export type ParseOutcome<T> =
	{ success: true; data: T } | { success: false; issues: SchemaIssue[] };

function issuesOf(error: z.core.$ZodError): SchemaIssue[] {
	return error.issues.map((issue) => ({
		path: issue.path.map(String).join('.'),
		message: issue.message
	}));
}

/** Collects every linkId, depth first, to report duplicates. */
function duplicateLinkIds(items: QuestionnaireItem[] | undefined, seen = new Set<string>()) {
	const duplicates: string[] = [];
	for (const item of items ?? []) {
		if (seen.has(item.linkId)) duplicates.push(item.linkId);
		seen.add(item.linkId);
		duplicates.push(...duplicateLinkIds(item.item, seen));
	}
	return duplicates;
}

/** Validates an imported Questionnaire's structure; never throws. */
export function parseQuestionnaire(input: unknown): ParseOutcome<Questionnaire> {
	const parsed = questionnaireSchema.safeParse(input);
	if (!parsed.success) return { success: false, issues: issuesOf(parsed.error) };
	const questionnaire = parsed.data as Questionnaire;
	const duplicates = duplicateLinkIds(questionnaire.item);
	if (duplicates.length > 0) {
		return {
			success: false,
			issues: duplicates.map((linkId) => ({
				path: 'item',
				message: `duplicate linkId "${linkId}"`
			}))
		};
	}
	return { success: true, data: questionnaire };
}

export function parseQuestionnaireResponse(input: unknown): ParseOutcome<QuestionnaireResponse> {
	const parsed = questionnaireResponseSchema.safeParse(input);
	if (!parsed.success) return { success: false, issues: issuesOf(parsed.error) };
	return { success: true, data: parsed.data as QuestionnaireResponse };
}

/** The canonical reference a response carries: `<url>|<version>`; also the forms doc id. */
export function canonicalOf(questionnaire: Pick<Questionnaire, 'url' | 'version'>): string {
	return `${questionnaire.url}|${questionnaire.version}`;
}

/** The single value[x] key of an answer, option or initial value. */
export function valueKeyOf(value: object): ValueKey | undefined {
	return VALUE_KEYS.find(
		(key) => key in value && (value as Record<string, unknown>)[key] !== undefined
	);
}
