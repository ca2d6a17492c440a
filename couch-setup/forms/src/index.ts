/**
 * The questionnaires `npm run forms:build` writes to couch-setup/forms/. A published version
 * is never changed: a change is a new file here with the next version (drafts migrate by
 * linkId, completed responses keep opening with the version they were made with).
 */
import type { Questionnaire } from '../../../src/lib/forms/fhir';
import aboutThePerson from './about-the-person';
import dailyLife from './daily-life';
import genetics from './genetics';
import medication from './medication';
import naturalHistory from './natural-history';
import qualityOfLife from './quality-of-life';
import { moodCheckRetired } from './retired';
import symptoms from './symptoms';

export const AUTHORED: readonly Questionnaire[] = [
	aboutThePerson,
	naturalHistory,
	genetics,
	symptoms,
	qualityOfLife,
	medication,
	dailyLife,
	moodCheckRetired
];

/**
 * Published before the questionnaires were authored here: kept byte for byte so the
 * responses made with them still open (the seeding dedupes by url|version).
 */
export const FROZEN: readonly string[] = [
	'about-the-person.v1.json',
	'daily-life.v1.json',
	'genotype.v1.json',
	'medication.v1.json',
	'mood-check.v1.json',
	'natural-history.v1.json',
	'natural-history.v2.json',
	'phenotype.v1.json',
	'quality-of-life.v1.json'
];
