/**
 * Questionnaires withdrawn from use. A retired version is published after the last active one
 * so the device stops offering it (QuestionnaireLibrary.latest() goes by the newest version);
 * responses made with the old version keep opening with it.
 */
import { readFileSync } from 'node:fs';
import type { Questionnaire } from '../../../src/lib/forms/fhir';

function retire(file: string, version: string, date: string): Questionnaire {
	const previous = JSON.parse(
		readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
	) as Questionnaire;
	const name = previous.url.split('/').at(-1)!;
	return { ...previous, id: `${name}-${version}`, version, status: 'retired', date };
}

/**
 * The mood check followed an adult screening instrument's wording and scoring, and was offered
 * for children too; mood is asked in our own words, with wording for children, in
 * quality-of-life v2.
 */
export const moodCheckRetired = retire('mood-check.v1.json', '2', '2026-12-07');
