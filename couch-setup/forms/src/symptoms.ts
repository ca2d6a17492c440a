/**
 * Symptoms, version 2 of `phenotype`. Each symptom is an HPO term chosen with the offline
 * picker (the item's answerValueSet is the HPO; the renderer hands such items to the picker),
 * or typed in the person's own words when it is not found. Per symptom: age at onset,
 * severity, current or past. v1's onset date is replaced by an age (`feature.onset-age`), which
 * is what families remember and what natural-history studies compare.
 */
import { SEVERITY } from './common';
import { group, help, HPO_VALUE_SET, item, questionnaire, when } from './author';

export default questionnaire({
	name: 'phenotype',
	version: '2',
	date: '2026-12-07',
	consentScope: 'symptoms',
	title: {
		en: 'Symptoms',
		es: 'Síntomas',
		ca: 'Símptomes',
		fr: 'Symptômes',
		it: 'Sintomi',
		pt: 'Sintomas',
		ro: 'Simptome',
		de: 'Symptome',
		ar: 'الأعراض'
	},
	items: [
		help(
			'intro',
			{
				en: 'Add each symptom you have now or have had. Search in your own words; if it is not in the list, type it as you would say it.',
				es: 'Añade cada síntoma que tienes o has tenido. Busca con tus propias palabras; si no está en la lista, escríbelo como lo dirías.',
				ca: 'Afegeix cada símptoma que tens o has tingut. Cerca amb les teves paraules; si no és a la llista, escriu-lo com el diries.',
				fr: 'Ajoutez chaque symptôme que vous avez ou avez eu. Cherchez avec vos mots ; s’il n’est pas dans la liste, écrivez-le comme vous le diriez.',
				it: 'Aggiungi ogni sintomo che hai o hai avuto. Cerca con parole tue; se non è nell’elenco, scrivilo come lo diresti.',
				pt: 'Acrescente cada sintoma que tem ou já teve. Pesquise com as suas palavras; se não estiver na lista, escreva-o como o diria.',
				ro: 'Adaugă fiecare simptom pe care îl ai sau l-ai avut. Caută cu propriile cuvinte; dacă nu e în listă, scrie-l cum l-ai spune.',
				de: 'Tragen Sie jedes Symptom ein, das Sie haben oder hatten. Suchen Sie mit eigenen Worten; steht es nicht in der Liste, schreiben Sie es so, wie Sie es sagen würden.',
				ar: 'أضف كل عَرَض لديك الآن أو كان لديك. ابحث بكلماتك الخاصة، وإن لم تجده في القائمة فاكتبه كما تقوله.'
			},
			{
				other: {
					en: 'Add each symptom they have now or have had. Search in your own words; if it is not in the list, type it as you would say it.',
					es: 'Añade cada síntoma que tiene o ha tenido. Busca con tus propias palabras; si no está en la lista, escríbelo como lo dirías.',
					ca: 'Afegeix cada símptoma que té o ha tingut. Cerca amb les teves paraules; si no és a la llista, escriu-lo com el diries.',
					fr: 'Ajoutez chaque symptôme que cette personne a ou a eu. Cherchez avec vos mots ; s’il n’est pas dans la liste, écrivez-le comme vous le diriez.',
					it: 'Aggiungi ogni sintomo che ha o ha avuto. Cerca con parole tue; se non è nell’elenco, scrivilo come lo diresti.',
					pt: 'Acrescente cada sintoma que tem ou já teve. Pesquise com as suas palavras; se não estiver na lista, escreva-o como o diria.',
					ro: 'Adaugă fiecare simptom pe care îl are sau l-a avut. Caută cu propriile cuvinte; dacă nu e în listă, scrie-l cum l-ai spune.',
					de: 'Tragen Sie jedes Symptom ein, das die Person hat oder hatte. Suchen Sie mit eigenen Worten; steht es nicht in der Liste, schreiben Sie es so, wie Sie es sagen würden.',
					ar: 'أضف كل عَرَض لديه الآن أو كان لديه. ابحث بكلماتك الخاصة، وإن لم تجده في القائمة فاكتبه كما تقوله.'
				},
				child: {
					en: 'Add each symptom your child has now or has had. Search in your own words; if it is not in the list, type it as you would say it.',
					es: 'Añade cada síntoma que tu hijo o hija tiene o ha tenido. Busca con tus propias palabras; si no está en la lista, escríbelo como lo dirías.',
					ca: 'Afegeix cada símptoma que el teu fill o filla té o ha tingut. Cerca amb les teves paraules; si no és a la llista, escriu-lo com el diries.',
					fr: 'Ajoutez chaque symptôme que votre enfant a ou a eu. Cherchez avec vos mots ; s’il n’est pas dans la liste, écrivez-le comme vous le diriez.',
					it: 'Aggiungi ogni sintomo che tuo figlio o tua figlia ha o ha avuto. Cerca con parole tue; se non è nell’elenco, scrivilo come lo diresti.',
					pt: 'Acrescente cada sintoma que o seu filho ou filha tem ou já teve. Pesquise com as suas palavras; se não estiver na lista, escreva-o como o diria.',
					ro: 'Adaugă fiecare simptom pe care copilul tău îl are sau l-a avut. Caută cu propriile cuvinte; dacă nu e în listă, scrie-l cum l-ai spune.',
					de: 'Tragen Sie jedes Symptom ein, das Ihr Kind hat oder hatte. Suchen Sie mit eigenen Worten; steht es nicht in der Liste, schreiben Sie es so, wie Sie es sagen würden.',
					ar: 'أضف كل عَرَض لدى طفلك الآن أو كان لديه. ابحث بكلماتك الخاصة، وإن لم تجده في القائمة فاكتبه كما تقوله.'
				}
			}
		),
		group(
			'feature',
			{
				en: 'Symptoms',
				es: 'Síntomas',
				ca: 'Símptomes',
				fr: 'Symptômes',
				it: 'Sintomi',
				pt: 'Sintomas',
				ro: 'Simptome',
				de: 'Symptome',
				ar: 'الأعراض'
			},
			[
				item(
					'feature.term',
					'open-choice',
					{
						en: 'Symptom',
						es: 'Síntoma',
						ca: 'Símptoma',
						fr: 'Symptôme',
						it: 'Sintomo',
						pt: 'Sintoma',
						ro: 'Simptom',
						de: 'Symptom',
						ar: 'العَرَض'
					},
					{ required: true, control: 'autocomplete', valueSet: HPO_VALUE_SET, safe: true }
				),
				item(
					'feature.onset-age',
					'decimal',
					{
						en: 'Age when it started (years; 0.5 for six months)',
						es: 'Edad a la que empezó (años; 0,5 para seis meses)',
						ca: 'Edat a la qual va començar (anys; 0,5 per a sis mesos)',
						fr: 'Âge au début (ans ; 0,5 pour six mois)',
						it: 'Età in cui è iniziato (anni; 0,5 per sei mesi)',
						pt: 'Idade em que começou (anos; 0,5 para seis meses)',
						ro: 'Vârsta la care a început (ani; 0,5 pentru șase luni)',
						de: 'Alter zu Beginn (Jahre; 0,5 für sechs Monate)',
						ar: 'العمر عند البداية (بالسنوات؛ 0.5 لستة أشهر)'
					},
					{
						min: { valueDecimal: 0 },
						max: { valueDecimal: 120 },
						maxDecimals: 1,
						safe: true
					}
				),
				item(
					'feature.severity',
					'choice',
					{
						en: 'How severe is it, or was it at its worst?',
						es: '¿Qué gravedad tiene o tuvo en su peor momento?',
						ca: 'Quina gravetat té o va tenir en el pitjor moment?',
						fr: 'Quelle est sa gravité, ou quelle était-elle au pire ?',
						it: 'Quanto è grave, o quanto lo era nel momento peggiore?',
						pt: 'Qual a gravidade, ou qual foi no pior momento?',
						ro: 'Cât de sever este sau a fost în cel mai rău moment?',
						de: 'Wie stark ist es, oder wie stark war es am schlimmsten?',
						ar: 'ما شدته، أو ما كانت شدته في أسوأ حالاته؟'
					},
					{ control: 'radio-button', safe: true, options: SEVERITY }
				),
				item(
					'feature.ongoing',
					'boolean',
					{
						en: 'Is it still there?',
						es: '¿Sigue presente?',
						ca: 'Encara hi és?',
						fr: 'Est-il toujours présent ?',
						it: 'È ancora presente?',
						pt: 'Ainda está presente?',
						ro: 'Mai este prezent?',
						de: 'Besteht es noch?',
						ar: 'هل ما زال موجودًا؟'
					},
					{ safe: true }
				),
				item(
					'feature.resolved-age',
					'decimal',
					{
						en: 'Age when it stopped (years)',
						es: 'Edad a la que desapareció (años)',
						ca: 'Edat a la qual va desaparèixer (anys)',
						fr: 'Âge à sa disparition (ans)',
						it: 'Età in cui è scomparso (anni)',
						pt: 'Idade em que desapareceu (anos)',
						ro: 'Vârsta la care a dispărut (ani)',
						de: 'Alter, als es aufhörte (Jahre)',
						ar: 'العمر عند زواله (بالسنوات)'
					},
					{
						enableWhen: [when.no('feature.ongoing')],
						min: { valueDecimal: 0 },
						max: { valueDecimal: 120 },
						maxDecimals: 1,
						safe: true,
						constraints: [
							{
								key: 'stopped-after-start',
								expression: 'answer.value >= %onset',
								human: {
									en: 'It cannot stop before it started: please check both ages.',
									es: 'No puede desaparecer antes de empezar: revisa las dos edades.',
									ca: 'No pot desaparèixer abans de començar: revisa les dues edats.',
									fr: 'Il ne peut pas disparaître avant d’avoir commencé : vérifiez les deux âges.',
									it: 'Non può scomparire prima di iniziare: controlla entrambe le età.',
									pt: 'Não pode desaparecer antes de começar: verifique as duas idades.',
									ro: 'Nu poate dispărea înainte să înceapă: verifică ambele vârste.',
									de: 'Es kann nicht vor seinem Beginn aufhören: bitte beide Altersangaben prüfen.',
									ar: 'لا يمكن أن يزول قبل أن يبدأ: يُرجى التحقق من العمرين.'
								}
							}
						]
					}
				)
			],
			{
				repeats: true,
				variables: [
					{ name: 'onset', expression: "item.where(linkId='feature.onset-age').answer.value" }
				]
			}
		),
		item('notes', 'text', {
			en: 'Anything else about the symptoms',
			es: 'Algo más sobre los síntomas',
			ca: 'Alguna cosa més sobre els símptomes',
			fr: 'Autre chose sur les symptômes',
			it: 'Altro sui sintomi',
			pt: 'Mais alguma coisa sobre os sintomas',
			ro: 'Altceva despre simptome',
			de: 'Sonstiges zu den Symptomen',
			ar: 'أي شيء آخر عن الأعراض'
		})
	]
});
