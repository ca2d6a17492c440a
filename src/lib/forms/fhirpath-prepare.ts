/**
 * Where questionnaires are built or published (Node: `npm run forms:build`, `forms:import`):
 * each FHIRPath expression parsed once and shipped in the questionnaire, so the device never
 * loads the parser (fhirpath-parsed.ts). Never imported by the app: it loads all of fhirpath.
 */
import fhirpath from 'fhirpath';
import type { Questionnaire } from './fhir';
import { withParsedExpressions } from './fhirpath-parsed';

export function withExpressionsParsed<Q extends Questionnaire>(questionnaire: Q): Q {
	return withParsedExpressions(questionnaire, fhirpath);
}
