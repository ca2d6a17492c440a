/**
 * Making a Questionnaire written elsewhere (LHC-Forms, SDC tools, REDCap exports, LOINC
 * panels) publishable. FHIR R4 makes `url` and `version` optional, but Dazzle stores and
 * references a questionnaire as `<url>|<version>`, so an import gives them when missing:
 *
 * - `url`: `https://dazzle.health/fhir/Questionnaire/imported/<key>`, where `<key>` is the
 *   questionnaire's `name` (a computer-friendly name in R4), else its `id`, else
 *   `q-<hash>` of its content. The same file always gets the same identity, and a new
 *   version of a named questionnaire keeps it. `--url` gives one explicitly.
 * - `version`: `1` (`--version` gives another; a published version is never overwritten).
 * - `status: draft` is kept (a draft is stored but not offered to members) unless the import
 *   is asked to publish it as `active`.
 *
 * Pure: no storage, no Node built-ins (the hash is FNV-1a, for identity only, not security).
 */

export const IMPORTED_URL_BASE = 'https://dazzle.health/fhir/Questionnaire/imported/';
export const DEFAULT_VERSION = '1';

export interface ImportOptions {
	url?: string;
	version?: string;
	/** Publish a `draft` (or `unknown`) questionnaire as `active`. */
	activate?: boolean;
}

export interface ImportIdentity {
	url: string;
	/** Where the url came from. */
	urlSource: 'questionnaire' | 'option' | 'name' | 'id' | 'content-hash';
	version: string;
	versionSource: 'questionnaire' | 'option' | 'default';
	/** The status in the file, and the one it is published with. */
	statusGiven: string | undefined;
	status: string | undefined;
}

export interface PreparedImport {
	/** The questionnaire with url, version and status filled as reported in `identity`. */
	questionnaire: Record<string, unknown>;
	identity: ImportIdentity;
}

/** A key usable in a URL path: letters, digits, `-`, `.`, `_` (others become `-`). */
function slug(text: string): string {
	return text
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/[^A-Za-z0-9._-]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 80);
}

/** JSON with keys sorted, so the hash does not depend on key order. */
function stableJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, inner]) => inner !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${stableJson(inner)}`).join(',')}}`;
	}
	return JSON.stringify(value);
}

function fnv1a(text: string, seed: number): string {
	let hash = seed >>> 0;
	for (let index = 0; index < text.length; index += 1) {
		hash ^= text.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash.toString(16).padStart(8, '0');
}

/** 16 hex digits of the questionnaire's content (without the fields an import fills). */
export function contentHash(input: Record<string, unknown>): string {
	const { url: _url, version: _version, status: _status, meta: _meta, ...content } = input;
	const text = stableJson(content);
	return `${fnv1a(text, 0x811c9dc5)}${fnv1a(text, 0x2166136)}`;
}

function nonEmpty(value: unknown): string | undefined {
	return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * Fills what an import needs (url, version, status) and says where each came from. The
 * result still goes through `parseQuestionnaire` and `analyze`: this never validates.
 */
export function prepareImport(input: unknown, options: ImportOptions = {}): PreparedImport {
	const source =
		input && typeof input === 'object' && !Array.isArray(input)
			? (input as Record<string, unknown>)
			: {};
	const questionnaire: Record<string, unknown> = { ...source };

	let url = nonEmpty(options.url);
	let urlSource: ImportIdentity['urlSource'] = 'option';
	if (!url && nonEmpty(source.url)) {
		url = source.url as string;
		urlSource = 'questionnaire';
	}
	if (!url) {
		const name = slug(nonEmpty(source.name) ?? '');
		const id = slug(nonEmpty(source.id) ?? '');
		if (name) [url, urlSource] = [`${IMPORTED_URL_BASE}${name}`, 'name'];
		else if (id) [url, urlSource] = [`${IMPORTED_URL_BASE}${id}`, 'id'];
		else [url, urlSource] = [`${IMPORTED_URL_BASE}q-${contentHash(source)}`, 'content-hash'];
	}

	let version = nonEmpty(options.version);
	let versionSource: ImportIdentity['versionSource'] = 'option';
	if (!version && nonEmpty(source.version)) {
		version = source.version as string;
		versionSource = 'questionnaire';
	}
	if (!version) [version, versionSource] = [DEFAULT_VERSION, 'default'];

	const statusGiven = nonEmpty(source.status);
	const status =
		options.activate && (statusGiven === 'draft' || statusGiven === 'unknown')
			? 'active'
			: statusGiven;

	questionnaire.url = url;
	questionnaire.version = version;
	if (status !== undefined) questionnaire.status = status;
	return {
		questionnaire,
		identity: { url, urlSource, version, versionSource, statusGiven, status }
	};
}
