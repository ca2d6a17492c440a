import { z } from 'zod';

/**
 * Consent to donate data to research (issue #18), shared by the app's consent flow and the
 * server's research worker. A consent is a document in the patient (record) database; a signed
 * consent is never changed: changing scopes, renewing under a new text or withdrawing writes a
 * NEW consent document (`supersedes` names the previous one). The newest `signed_at` (tie: the
 * greater id) is the consent in force. couch-setup/validate/patient.js enforces the same rules
 * on the server (only editors sign, as themselves; nobody changes or deletes a consent).
 */

/** What a patient may agree to, one choice each (a questionnaire names its scope). */
export const CONSENT_SCOPES = [
	'about-me',
	'natural-history',
	'genetics',
	'symptoms',
	'quality-of-life',
	'medication',
	'contact-for-studies'
] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

export function isConsentScope(value: unknown): value is ConsentScope {
	return typeof value === 'string' && (CONSENT_SCOPES as readonly string[]).includes(value);
}

export const CONSENT_TYPE = 'consent' as const;
export const CONSENT_ID_PREFIX = 'consent-';

/**
 * The consent texts, oldest first. A `material` version changes what the patient agrees to:
 * consents signed under an older text stop covering NEW extraction until renewed (what was
 * shared stays). A non-material version (wording, a translation fixed) keeps older consents.
 */
export interface ConsentVersion {
	version: string;
	/** YYYY-MM-DD the text took effect. */
	date: string;
	material: boolean;
}

export const CONSENT_VERSIONS: readonly ConsentVersion[] = [
	{ version: '1', date: '2026-12-07', material: true }
];

export function currentConsentVersion(
	versions: readonly ConsentVersion[] = CONSENT_VERSIONS
): string {
	const last = versions.at(-1);
	if (!last) throw new Error('No consent text version is defined.');
	return last.version;
}

/**
 * Whether a consent signed under `signedVersion` still holds under `currentVersion`: no
 * material version came after it (up to and including the current one). An unknown version
 * holds for nothing.
 */
export function versionStillHolds(
	signedVersion: string,
	currentVersion: string = currentConsentVersion(),
	versions: readonly ConsentVersion[] = CONSENT_VERSIONS
): boolean {
	const from = versions.findIndex((entry) => entry.version === signedVersion);
	const to = versions.findIndex((entry) => entry.version === currentVersion);
	if (from === -1 || to === -1 || from > to) return false;
	return versions.slice(from + 1, to + 1).every((entry) => !entry.material);
}

// ── the signature ──────────────────────────────────────────────────────────────────────

/** The largest drawn signature stored (bytes of SVG text; a signature is ~2–8 KB). */
export const SIGNATURE_SVG_MAX_LENGTH = 32_768;
const SIGNATURE_OPEN =
	'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 W H" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">';
const NUMBER = String.raw`-?\d{1,5}(?:\.\d{1,2})?`;
const POINT = `${NUMBER},${NUMBER}`;
/**
 * Exactly what `signatureSvg` writes and nothing else: the one `<svg>` opening above, then only
 * `<polyline points="x,y x,y…"/>` and `<path d="…"/>` with move/line/curve commands and numbers.
 * No other element, attribute, entity, URL or script can pass, so showing it is safe.
 */
const SIGNATURE_PATTERN = new RegExp(
	'^' +
		SIGNATURE_OPEN.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(
			'0 0 W H',
			'0 0 \\d{1,4} \\d{1,4}'
		) +
		`(?:<polyline points="${POINT}(?: ${POINT})*"/>|<path d="[MLCQmlcq][MLCQZmlcqz0-9 ,.-]*"/>)*` +
		'</svg>$'
);

export function isSafeSignatureSvg(svg: string): boolean {
	return svg.length <= SIGNATURE_SVG_MAX_LENGTH && SIGNATURE_PATTERN.test(svg);
}

/** Rounds to 2 decimals, as the pattern allows. */
function coordinate(value: number): string {
	return String(Math.round(value * 100) / 100);
}

/**
 * The SVG of a drawn signature: one polyline per stroke, points in the drawing area's pixels.
 * Strokes of fewer than two points are dropped. The result passes `isSafeSignatureSvg` unless
 * it is too long (a very long scribble): callers check and ask to draw again.
 */
export function signatureSvg(
	width: number,
	height: number,
	strokes: readonly (readonly (readonly [number, number])[])[]
): string {
	const clamp = (value: number) => Math.max(1, Math.min(9999, Math.round(value)));
	const open = SIGNATURE_OPEN.replace('0 0 W H', `0 0 ${clamp(width)} ${clamp(height)}`);
	const lines = strokes
		.filter((stroke) => stroke.length >= 2)
		.map(
			(stroke) =>
				`<polyline points="${stroke.map(([x, y]) => `${coordinate(x)},${coordinate(y)}`).join(' ')}"/>`
		);
	return `${open}${lines.join('')}</svg>`;
}

// ── the consent document ───────────────────────────────────────────────────────────────

const isoDateTime = z.iso.datetime({ offset: true });

/** `consent-<UTC time, compact>-<random>`, e.g. `consent-20261207T041131123Z-k3j9x2m1q8`. */
export const consentIdSchema = z
	.string()
	.regex(/^consent-\d{8}T\d{6}(?:\d{3})?Z-[0-9a-z]{8,32}$/, { error: 'errors.consent_invalid' });

/** A new consent id at `now` (`random`: 10+ characters of [0-9a-z]; tests pass their own). */
export function consentId(now: Date, random?: string): string {
	const compact = now.toISOString().replace(/[-:.]/g, '');
	let tail = random;
	if (tail === undefined) {
		const bytes = new Uint8Array(10);
		crypto.getRandomValues(bytes);
		tail = Array.from(bytes, (byte) => (byte % 36).toString(36)).join('');
	}
	return `${CONSENT_ID_PREFIX}${compact}-${tail}`;
}

export const CONSENT_RELATIONS = ['self', 'legal-representative'] as const;
export type ConsentRelation = (typeof CONSENT_RELATIONS)[number];
export const WITHDRAWALS = ['stop', 'erase'] as const;
export type Withdrawal = (typeof WITHDRAWALS)[number];

export const SIGNER_NAME_MAX_LENGTH = 120;

/** Every scope, each true or false: a consent always says something about each. */
export const consentScopesSchema = z.strictObject(
	Object.fromEntries(CONSENT_SCOPES.map((scope) => [scope, z.boolean()])) as Record<
		ConsentScope,
		z.ZodBoolean
	>
);
export type ConsentScopes = Record<ConsentScope, boolean>;

export const consentDocSchema = z
	.strictObject({
		_id: consentIdSchema,
		_rev: z.string().optional(),
		type: z.literal(CONSENT_TYPE),
		schema_version: z.literal(1),
		/** The consent text signed (CONSENT_VERSIONS). */
		text_version: z.string().regex(/^[0-9A-Za-z.-]{1,16}$/),
		/** The language the text was read in (a locale code). */
		language: z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/),
		signer: z.strictObject({
			/** The signing account's name, as the record's membership (`relations`) knows it. */
			user: z.string().min(1).max(64),
			/** The full name typed as the signature. */
			name: z.string().trim().min(1).max(SIGNER_NAME_MAX_LENGTH),
			relation: z.enum(CONSENT_RELATIONS)
		}),
		signature_svg: z
			.string()
			.max(SIGNATURE_SVG_MAX_LENGTH)
			.refine(isSafeSignatureSvg, { error: 'errors.signature_invalid' })
			.optional(),
		scopes: consentScopesSchema,
		signed_at: isoDateTime,
		/** The consent this one replaces (the one in force when it was signed). */
		supersedes: consentIdSchema.optional(),
		/** A withdrawal: all scopes false; `erase` also removes what was shared. */
		withdrawal: z.enum(WITHDRAWALS).optional(),
		updated_at: isoDateTime
	})
	.refine(
		(doc) => doc.withdrawal === undefined || CONSENT_SCOPES.every((scope) => !doc.scopes[scope]),
		{ error: 'errors.consent_invalid', path: ['scopes'] }
	);
export type ConsentDoc = z.infer<typeof consentDocSchema>;

/** Orders consents oldest first: by `signed_at` (as instants), ties by id. */
function compareConsents(a: ConsentDoc, b: ConsentDoc): number {
	const byTime = Date.parse(a.signed_at) - Date.parse(b.signed_at);
	if (byTime !== 0) return byTime;
	return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
}

/**
 * The consent in force among a record's consent documents: the newest valid one (a withdrawal
 * included: then nothing is covered). Documents that fail the schema are ignored.
 */
export function consentInForce(docs: readonly unknown[]): ConsentDoc | undefined {
	let newest: ConsentDoc | undefined;
	for (const doc of docs) {
		const parsed = consentDocSchema.safeParse(doc);
		if (!parsed.success) continue;
		if (!newest || compareConsents(newest, parsed.data) < 0) newest = parsed.data;
	}
	return newest;
}

/**
 * Whether `consent` lets NEW data of `scope` go to research now: it is not a withdrawal, agrees
 * to the scope, and its text still holds under the current version.
 */
export function covers(
	consent: ConsentDoc | undefined,
	scope: string | undefined,
	currentVersion: string = currentConsentVersion(),
	versions: readonly ConsentVersion[] = CONSENT_VERSIONS
): boolean {
	if (!consent || consent.withdrawal !== undefined || !isConsentScope(scope)) return false;
	return (
		consent.scopes[scope] === true &&
		versionStillHolds(consent.text_version, currentVersion, versions)
	);
}

/** Whether the consent in force must be renewed (a material text came after it). */
export function needsRenewal(
	consent: ConsentDoc | undefined,
	currentVersion: string = currentConsentVersion(),
	versions: readonly ConsentVersion[] = CONSENT_VERSIONS
): boolean {
	if (!consent || consent.withdrawal !== undefined) return false;
	return !versionStillHolds(consent.text_version, currentVersion, versions);
}

// ── research receipts (written by the server into the patient database) ────────────────

export const RESEARCH_RECEIPT_TYPE = 'research-receipt' as const;
export const RESEARCH_RECEIPT_PREFIX = 'research-receipt-';
export const RECEIPT_STATES = ['shared', 'withdrawn', 'erased'] as const;
export type ReceiptState = (typeof RECEIPT_STATES)[number];

export function researchReceiptId(responseId: string): string {
	return `${RESEARCH_RECEIPT_PREFIX}${responseId}`;
}

/**
 * What became of one response: `shared` (a research record exists under `consent_id`),
 * `withdrawn` (a stop: what was shared stays, nothing new), `erased` (removed from research).
 * One per response, updated by the server only; the app counts them per questionnaire.
 */
export const researchReceiptSchema = z.strictObject({
	_id: z.string().regex(/^research-receipt-response-[0-9a-f-]{36}$/),
	_rev: z.string().optional(),
	type: z.literal(RESEARCH_RECEIPT_TYPE),
	schema_version: z.literal(1),
	response_id: z.string().regex(/^response-[0-9a-f-]{36}$/),
	/** Canonical url of the questionnaire. */
	questionnaire_url: z.string().min(1).max(2048),
	questionnaire_version: z.string().min(1).max(64),
	/** The response's FHIR meta.versionId shared (an amendment shares again). */
	response_version: z.string().max(32).optional(),
	consent_id: consentIdSchema,
	state: z.enum(RECEIPT_STATES),
	at: isoDateTime,
	updated_at: isoDateTime
});
export type ResearchReceipt = z.infer<typeof researchReceiptSchema>;
