import { canonicalOf, type Questionnaire } from './fhir';

/**
 * A published questionnaire in the `forms` database. Its id is `<url>|<version>`, so a
 * version is published once and never replaced. The FHIR resource is kept whole under
 * `resource`: CouchDB refuses top-level fields starting with `_`, and FHIR uses them
 * (`_title` carries the title's translations).
 */
export type QuestionnaireDocument = {
	_id: string;
	_rev?: string;
	type: 'questionnaire';
	schema_version: 1;
	/** `<url>|<version>`, the value responses carry in `questionnaire`. */
	canonical: string;
	published_at: string;
	resource: Questionnaire;
};

export function questionnaireDocument(
	questionnaire: Questionnaire,
	publishedAt: string
): QuestionnaireDocument {
	const canonical = canonicalOf(questionnaire);
	return {
		_id: canonical,
		type: 'questionnaire',
		schema_version: 1,
		canonical,
		published_at: publishedAt,
		resource: questionnaire
	};
}

/** The FHIR resource inside a forms document (what `parseQuestionnaire` and `analyze` take). */
export function questionnaireFromDocument(document: Record<string, unknown>): unknown {
	return document.resource;
}
