import { HPO_VALUE_SET, isHpoValueSet } from '../hpo/coding';
import { EXT } from './extensions';
import type { AnswerOption, Coding } from './fhir';

/**
 * Value sets bundled with the app so `answerValueSet` works offline. Each concept carries
 * its display in every UI language (FHIR designations, flattened to `{ lang: text }`).
 */
export interface BundledConcept {
	system: string;
	code: string;
	display: string;
	translations: Record<string, string>;
}

export interface BundledValueSet {
	url: string;
	title: string;
	concepts: BundledConcept[];
}

const GENDER = 'http://hl7.org/fhir/administrative-gender';
const YES_NO = 'http://terminology.hl7.org/CodeSystem/v2-0136';
const ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
const ROLE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';

type Words = [
	es: string,
	ca: string,
	fr: string,
	it: string,
	pt: string,
	ro: string,
	de: string,
	ar: string
];
const LANGS = ['es', 'ca', 'fr', 'it', 'pt', 'ro', 'de', 'ar'] as const;

function concept(system: string, code: string, display: string, words: Words): BundledConcept {
	return {
		system,
		code,
		display,
		translations: Object.fromEntries(LANGS.map((lang, index) => [lang, words[index]!]))
	};
}

export const BUNDLED_VALUE_SETS: readonly BundledValueSet[] = [
	{
		url: 'http://hl7.org/fhir/ValueSet/administrative-gender',
		title: 'Administrative gender',
		concepts: [
			concept(GENDER, 'female', 'Female', [
				'Mujer',
				'Dona',
				'Femme',
				'Donna',
				'Feminino',
				'Femeie',
				'Weiblich',
				'أنثى'
			]),
			concept(GENDER, 'male', 'Male', [
				'Hombre',
				'Home',
				'Homme',
				'Uomo',
				'Masculino',
				'Bărbat',
				'Männlich',
				'ذكر'
			]),
			concept(GENDER, 'other', 'Other', [
				'Otro',
				'Altre',
				'Autre',
				'Altro',
				'Outro',
				'Altul',
				'Divers',
				'آخر'
			]),
			concept(GENDER, 'unknown', 'Unknown', [
				'Desconocido',
				'Desconegut',
				'Inconnu',
				'Sconosciuto',
				'Desconhecido',
				'Necunoscut',
				'Unbekannt',
				'غير معروف'
			])
		]
	},
	{
		url: 'http://hl7.org/fhir/ValueSet/yesnodontknow',
		title: 'Yes / no / don’t know',
		concepts: [
			concept(YES_NO, 'Y', 'Yes', ['Sí', 'Sí', 'Oui', 'Sì', 'Sim', 'Da', 'Ja', 'نعم']),
			concept(YES_NO, 'N', 'No', ['No', 'No', 'Non', 'No', 'Não', 'Nu', 'Nein', 'لا']),
			concept(ABSENT, 'asked-unknown', 'Don’t know', [
				'No lo sé',
				'No ho sé',
				'Je ne sais pas',
				'Non lo so',
				'Não sei',
				'Nu știu',
				'Weiß nicht',
				'لا أعرف'
			])
		]
	},
	{
		url: 'https://dazzle.health/fhir/ValueSet/relation',
		title: 'Relation to the person filling in',
		concepts: [
			concept(ROLE, 'CHILD', 'Child', [
				'Hijo o hija',
				'Fill o filla',
				'Enfant',
				'Figlio o figlia',
				'Filho ou filha',
				'Copil',
				'Kind',
				'ابن أو ابنة'
			]),
			concept(ROLE, 'PRN', 'Parent', [
				'Padre o madre',
				'Pare o mare',
				'Parent',
				'Genitore',
				'Pai ou mãe',
				'Părinte',
				'Elternteil',
				'أحد الوالدين'
			]),
			concept(ROLE, 'FAMMEMB', 'Other relative', [
				'Otro familiar',
				'Un altre familiar',
				'Autre membre de la famille',
				'Altro familiare',
				'Outro familiar',
				'Altă rudă',
				'Andere Verwandte',
				'قريب آخر'
			]),
			concept(NULL_FLAVOR, 'OTH', 'Other', [
				'Otra relación',
				'Una altra relació',
				'Autre relation',
				'Altra relazione',
				'Outra relação',
				'Altă relație',
				'Andere Beziehung',
				'علاقة أخرى'
			])
		]
	}
];

const BY_URL = new Map(BUNDLED_VALUE_SETS.map((valueSet) => [valueSet.url, valueSet]));

/**
 * The whole Human Phenotype Ontology: supported offline, but searched on the device
 * (src/lib/hpo, components/hpo/HpoAnswer.svelte) rather than listed, so it has no options here
 * and any HPO Coding is a valid answer.
 */
const HPO_VALUE_SET_ENTRY: BundledValueSet = {
	url: HPO_VALUE_SET,
	title: 'Human Phenotype Ontology',
	concepts: []
};

/** The bundled value set for a canonical (a `|version` suffix is ignored), if any. */
export function bundledValueSet(canonical: string): BundledValueSet | undefined {
	if (isHpoValueSet(canonical)) return HPO_VALUE_SET_ENTRY;
	return BY_URL.get(canonical.split('|')[0] ?? canonical);
}

/** The value set as answer options, displays translated through the FHIR translation extension. */
export function valueSetOptions(valueSet: BundledValueSet): AnswerOption[] {
	return valueSet.concepts.map((entry) => {
		const coding: Coding = { system: entry.system, code: entry.code, display: entry.display };
		coding._display = {
			extension: Object.entries(entry.translations).map(([lang, content]) => ({
				url: EXT.translation,
				extension: [
					{ url: 'lang', valueCode: lang },
					{ url: 'content', valueString: content }
				]
			}))
		};
		return { valueCoding: coding };
	});
}
