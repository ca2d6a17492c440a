import type { DiagnosisDoc } from '$lib/schemas/diagnosis';
import {
	PROFILE_DISEASES_MAX,
	diseaseNameKey,
	type ProfileDisease,
	type ProfileSymptom
} from '$lib/schemas/community';

/**
 * What the public profile editor offers from the diagnoses of the records the user keeps: the
 * diseases (diagnosed or suspected) and the HPO-coded symptoms, each once. Suggestions only:
 * nothing is published until the user adds it. Pure.
 */
export function profileSuggestions(diagnoses: readonly (DiagnosisDoc | undefined)[]): {
	diseases: ProfileDisease[];
	symptoms: ProfileSymptom[];
} {
	const diseases: ProfileDisease[] = [];
	const seenDiseases = new Set<string>();
	const symptoms: ProfileSymptom[] = [];
	const seenSymptoms = new Set<string>();
	for (const diagnosis of diagnoses) {
		if (!diagnosis) continue;
		const disease = diagnosis.disease;
		const named = disease?.name?.trim();
		if (
			disease &&
			(named || disease.orpha) &&
			diagnosis.status !== 'not-diagnosed' &&
			diseases.length < PROFILE_DISEASES_MAX
		) {
			const keys = [disease.orpha, named ? `name:${diseaseNameKey(named)}` : undefined].filter(
				(key): key is string => key !== undefined
			);
			if (!keys.some((key) => seenDiseases.has(key))) {
				for (const key of keys) seenDiseases.add(key);
				diseases.push({
					...(named ? { name: named } : {}),
					...(disease.orpha ? { orpha: disease.orpha } : {})
				});
			}
		}
		for (const symptom of diagnosis.symptoms) {
			if (!symptom.code || seenSymptoms.has(symptom.code)) continue;
			seenSymptoms.add(symptom.code);
			symptoms.push({ code: symptom.code, label: symptom.label });
		}
	}
	return { diseases, symptoms };
}

/** The same disease as one already chosen (by ORPHA code or normalised name). */
export function sameDisease(a: ProfileDisease, b: ProfileDisease): boolean {
	if (a.orpha && b.orpha) return a.orpha === b.orpha;
	return (
		a.name !== undefined &&
		b.name !== undefined &&
		diseaseNameKey(a.name) === diseaseNameKey(b.name)
	);
}
