/**
 * Diagnosis and natural history, version 3. Replaces v2: the age at the first symptoms is asked
 * once (`first-symptom-age`; v2's `diagnosis.onset-age` asked it a second time and is gone, a
 * draft's answer to it is set aside on migration), the diagnostic delay is calculated, the
 * ward options are coded and translated (a v2 draft's plain-text ward is set aside), and
 * specialists, milestones and family history are new. linkIds kept from v2 keep their answers.
 */
import { DATE_FORMAT, RELATIVES } from './common';
import {
	answerAt,
	group,
	help,
	item,
	options,
	questionnaire,
	when,
	YES_CODING_SYSTEM,
	YES_NO_DONT_KNOW
} from './author';

const STATUS = 'diagnosis-status';

export default questionnaire({
	name: 'natural-history',
	version: '3',
	date: '2026-12-07',
	consentScope: 'natural-history',
	title: {
		en: 'Natural history',
		es: 'Historia natural',
		ca: 'Història natural',
		fr: 'Histoire naturelle',
		it: 'Storia naturale',
		pt: 'História natural',
		ro: 'Istoria naturală',
		de: 'Krankheitsverlauf',
		ar: 'التاريخ الطبيعي للمرض'
	},
	items: [
		help('intro', {
			en: 'How the condition started and how it was found. Answer what you know; you can come back to it later.',
			es: 'Cómo empezó la enfermedad y cómo se llegó al diagnóstico. Responde lo que sepas; puedes volver más tarde.',
			ca: 'Com va començar la malaltia i com s’hi va arribar. Respon el que sàpigues; pots tornar-hi més tard.',
			fr: 'Comment la maladie a commencé et comment elle a été trouvée. Répondez à ce que vous savez ; vous pourrez y revenir.',
			it: 'Come è iniziata la malattia e come si è arrivati alla diagnosi. Rispondi a ciò che sai; puoi tornarci più tardi.',
			pt: 'Como a doença começou e como se chegou ao diagnóstico. Responda ao que souber; pode voltar mais tarde.',
			ro: 'Cum a început boala și cum s-a ajuns la diagnostic. Răspunde la ce știi; poți reveni mai târziu.',
			de: 'Wie die Erkrankung begann und wie sie erkannt wurde. Beantworten Sie, was Sie wissen; Sie können später weitermachen.',
			ar: 'كيف بدأ المرض وكيف تم التعرف عليه. أجب عمّا تعرفه، ويمكنك العودة لاحقًا.'
		}),
		group(
			'diagnosis',
			{
				en: 'Diagnosis',
				es: 'Diagnóstico',
				ca: 'Diagnòstic',
				fr: 'Diagnostic',
				it: 'Diagnosi',
				pt: 'Diagnóstico',
				ro: 'Diagnostic',
				de: 'Diagnose',
				ar: 'التشخيص'
			},
			[
				item(
					'diagnosis.status',
					'choice',
					{
						en: 'Is there a diagnosis?',
						es: '¿Hay un diagnóstico?',
						ca: 'Hi ha un diagnòstic?',
						fr: 'Un diagnostic a-t-il été posé ?',
						it: 'C’è una diagnosi?',
						pt: 'Existe um diagnóstico?',
						ro: 'Există un diagnostic?',
						de: 'Gibt es eine Diagnose?',
						ar: 'هل يوجد تشخيص؟'
					},
					{
						control: 'radio-button',
						safe: true,
						options: options(STATUS, [
							{
								code: 'diagnosed',
								text: {
									en: 'Yes, diagnosed',
									es: 'Sí, diagnosticado',
									ca: 'Sí, diagnosticat',
									fr: 'Oui, diagnostic posé',
									it: 'Sì, diagnosticata',
									pt: 'Sim, diagnosticado',
									ro: 'Da, diagnosticat',
									de: 'Ja, diagnostiziert',
									ar: 'نعم، تم التشخيص'
								}
							},
							{
								code: 'suspected',
								text: {
									en: 'Suspected, not confirmed yet',
									es: 'Sospechado, aún sin confirmar',
									ca: 'Sospitat, encara no confirmat',
									fr: 'Suspecté, pas encore confirmé',
									it: 'Sospettata, non ancora confermata',
									pt: 'Suspeito, ainda não confirmado',
									ro: 'Suspectat, neconfirmat încă',
									de: 'Vermutet, noch nicht bestätigt',
									ar: 'مشتبه به، لم يتأكد بعد'
								}
							},
							{
								code: 'not-yet',
								text: {
									en: 'Not yet: still searching',
									es: 'Todavía no: seguimos buscando',
									ca: 'Encara no: continuem buscant',
									fr: 'Pas encore : la recherche continue',
									it: 'Non ancora: la ricerca continua',
									pt: 'Ainda não: continuamos à procura',
									ro: 'Încă nu: căutarea continuă',
									de: 'Noch nicht: die Suche geht weiter',
									ar: 'ليس بعد: ما زال البحث جاريًا'
								}
							}
						])
					}
				),
				item(
					'diagnosis.name',
					'string',
					{
						en: 'Diagnosis, as written by your doctor or in the report',
						es: 'Diagnóstico, tal como lo escribió el médico o figura en el informe',
						ca: 'Diagnòstic, tal com el va escriure el metge o consta a l’informe',
						fr: 'Diagnostic, tel qu’écrit par le médecin ou dans le compte rendu',
						it: 'Diagnosi, come scritta dal medico o nel referto',
						pt: 'Diagnóstico, tal como escrito pelo médico ou no relatório',
						ro: 'Diagnosticul, așa cum l-a scris medicul sau cum apare în raport',
						de: 'Diagnose, wie sie die Ärztin, der Arzt oder der Befund nennt',
						ar: 'التشخيص كما كتبه الطبيب أو كما ورد في التقرير'
					},
					{ enableWhen: [when.isNot('diagnosis.status', 'not-yet', STATUS)] }
				),
				item(
					'diagnosis.orpha',
					'string',
					{
						en: 'ORPHAcode, if it is in a report',
						es: 'Código ORPHA, si aparece en algún informe',
						ca: 'Codi ORPHA, si apareix en algun informe',
						fr: 'Code ORPHA, s’il figure dans un compte rendu',
						it: 'Codice ORPHA, se compare in un referto',
						pt: 'Código ORPHA, se constar de algum relatório',
						ro: 'Codul ORPHA, dacă apare într-un raport',
						de: 'ORPHA-Code, falls er in einem Befund steht',
						ar: 'رمز ORPHA إن كان مذكورًا في تقرير'
					},
					{
						enableWhen: [when.isNot('diagnosis.status', 'not-yet', STATUS)],
						regex: 'ORPHA:[0-9]{1,7}',
						format: {
							en: 'ORPHA:558',
							es: 'ORPHA:558',
							ca: 'ORPHA:558',
							fr: 'ORPHA:558',
							it: 'ORPHA:558',
							pt: 'ORPHA:558',
							ro: 'ORPHA:558',
							de: 'ORPHA:558',
							ar: 'ORPHA:558'
						},
						safe: true
					}
				),
				item(
					'diagnosis.date',
					'date',
					{
						en: 'Date of diagnosis',
						es: 'Fecha del diagnóstico',
						ca: 'Data del diagnòstic',
						fr: 'Date du diagnostic',
						it: 'Data della diagnosi',
						pt: 'Data do diagnóstico',
						ro: 'Data diagnosticului',
						de: 'Datum der Diagnose',
						ar: 'تاريخ التشخيص'
					},
					{
						enableWhen: [when.is('diagnosis.status', 'diagnosed', STATUS)],
						format: DATE_FORMAT,
						safe: true
					}
				),
				item(
					'diagnosis.age',
					'integer',
					{
						en: 'Age at diagnosis (years)',
						es: 'Edad en el momento del diagnóstico (años)',
						ca: 'Edat en el moment del diagnòstic (anys)',
						fr: 'Âge au moment du diagnostic (ans)',
						it: 'Età alla diagnosi (anni)',
						pt: 'Idade no momento do diagnóstico (anos)',
						ro: 'Vârsta la diagnostic (ani)',
						de: 'Alter bei der Diagnose (Jahre)',
						ar: 'العمر عند التشخيص (بالسنوات)'
					},
					{
						enableWhen: [when.is('diagnosis.status', 'diagnosed', STATUS)],
						min: { valueInteger: 0 },
						max: { valueInteger: 120 },
						safe: true,
						constraints: [
							{
								key: 'diagnosis-after-onset',
								severity: 'warning',
								expression: `answer.value >= ${answerAt('first-symptom-age')}`,
								human: {
									en: 'This is younger than the age at the first symptom: please check both.',
									es: 'Es menor que la edad del primer síntoma: revisa las dos.',
									ca: 'És menor que l’edat del primer símptoma: revisa-les totes dues.',
									fr: 'C’est plus jeune que l’âge du premier symptôme : vérifiez les deux.',
									it: 'È inferiore all’età del primo sintomo: controlla entrambe.',
									pt: 'É inferior à idade do primeiro sintoma: verifique as duas.',
									ro: 'Este mai mică decât vârsta primului simptom: verifică-le pe amândouă.',
									de: 'Das ist jünger als das Alter beim ersten Symptom: bitte beide prüfen.',
									ar: 'هذا العمر أصغر من العمر عند أول عَرَض: يُرجى التحقق من الاثنين.'
								}
							}
						]
					}
				),
				item(
					'diagnosis.searching',
					'integer',
					{
						en: 'How many years has the search for a diagnosis lasted so far?',
						es: '¿Cuántos años lleva la búsqueda de un diagnóstico?',
						ca: 'Quants anys fa que dura la recerca d’un diagnòstic?',
						fr: 'Depuis combien d’années dure la recherche d’un diagnostic ?',
						it: 'Da quanti anni dura la ricerca di una diagnosi?',
						pt: 'Há quantos anos dura a procura de um diagnóstico?',
						ro: 'De câți ani durează căutarea unui diagnostic?',
						de: 'Wie viele Jahre dauert die Suche nach einer Diagnose schon?',
						ar: 'كم سنة استغرق البحث عن تشخيص حتى الآن؟'
					},
					{
						enableWhen: [when.is('diagnosis.status', 'not-yet', STATUS)],
						min: { valueInteger: 0 },
						max: { valueInteger: 120 },
						safe: true
					}
				)
			]
		),
		item(
			'first-symptom-age',
			'integer',
			{
				en: 'Age at the first symptom (years)',
				es: 'Edad al aparecer el primer síntoma (años)',
				ca: 'Edat en aparèixer el primer símptoma (anys)',
				fr: 'Âge au premier symptôme (ans)',
				it: 'Età al primo sintomo (anni)',
				pt: 'Idade ao surgir o primeiro sintoma (anos)',
				ro: 'Vârsta la primul simptom (ani)',
				de: 'Alter beim ersten Symptom (Jahre)',
				ar: 'العمر عند ظهور أول عَرَض (بالسنوات)'
			},
			{ min: { valueInteger: 0 }, max: { valueInteger: 120 }, safe: true }
		),
		item(
			'first-symptom-what',
			'text',
			{
				en: 'What was the first thing you noticed?',
				es: '¿Qué fue lo primero que notaste?',
				ca: 'Què va ser el primer que vas notar?',
				fr: 'Qu’avez-vous remarqué en premier ?',
				it: 'Qual è stata la prima cosa che hai notato?',
				pt: 'Qual foi a primeira coisa que notou?',
				ro: 'Care a fost primul lucru pe care l-ai observat?',
				de: 'Was ist Ihnen als Erstes aufgefallen?',
				ar: 'ما أول شيء لاحظته؟'
			},
			{
				other: {
					en: 'What was the first thing you or the family noticed?',
					es: '¿Qué fue lo primero que notasteis tú o la familia?',
					ca: 'Què va ser el primer que vau notar tu o la família?',
					fr: 'Qu’avez-vous, vous ou la famille, remarqué en premier ?',
					it: 'Qual è stata la prima cosa che tu o la famiglia avete notato?',
					pt: 'Qual foi a primeira coisa que o senhor ou a família notaram?',
					ro: 'Care a fost primul lucru pe care l-ați observat tu sau familia?',
					de: 'Was ist Ihnen oder der Familie als Erstes aufgefallen?',
					ar: 'ما أول شيء لاحظته أنت أو العائلة؟'
				},
				child: {
					en: 'What was the first thing you noticed in your child?',
					es: '¿Qué fue lo primero que notaste en tu hijo o hija?',
					ca: 'Què va ser el primer que vas notar en el teu fill o filla?',
					fr: 'Qu’avez-vous remarqué en premier chez votre enfant ?',
					it: 'Qual è stata la prima cosa che hai notato in tuo figlio o tua figlia?',
					pt: 'Qual foi a primeira coisa que notou no seu filho ou filha?',
					ro: 'Care a fost primul lucru pe care l-ai observat la copilul tău?',
					de: 'Was ist Ihnen bei Ihrem Kind als Erstes aufgefallen?',
					ar: 'ما أول شيء لاحظته على طفلك؟'
				}
			}
		),
		item(
			'delay',
			'integer',
			{
				en: 'Time from the first symptom to the diagnosis (years, calculated)',
				es: 'Tiempo desde el primer síntoma hasta el diagnóstico (años, calculado)',
				ca: 'Temps des del primer símptoma fins al diagnòstic (anys, calculat)',
				fr: 'Délai entre le premier symptôme et le diagnostic (ans, calculé)',
				it: 'Tempo dal primo sintomo alla diagnosi (anni, calcolato)',
				pt: 'Tempo desde o primeiro sintoma até ao diagnóstico (anos, calculado)',
				ro: 'Timpul de la primul simptom până la diagnostic (ani, calculat)',
				de: 'Zeit vom ersten Symptom bis zur Diagnose (Jahre, berechnet)',
				ar: 'المدة من أول عَرَض حتى التشخيص (بالسنوات، محسوبة)'
			},
			{
				readOnly: true,
				safe: true,
				calculated: `${answerAt('diagnosis', 'diagnosis.age')} - ${answerAt('first-symptom-age')}`
			}
		),
		item(
			'specialists',
			'integer',
			{
				en: 'How many different specialists were seen before the diagnosis (or so far)?',
				es: '¿Cuántos especialistas distintos se consultaron antes del diagnóstico (o hasta ahora)?',
				ca: 'Quants especialistes diferents es van consultar abans del diagnòstic (o fins ara)?',
				fr: 'Combien de spécialistes différents ont été consultés avant le diagnostic (ou jusqu’ici) ?',
				it: 'Quanti specialisti diversi sono stati consultati prima della diagnosi (o finora)?',
				pt: 'Quantos especialistas diferentes foram consultados antes do diagnóstico (ou até agora)?',
				ro: 'La câți specialiști diferiți s-a mers înainte de diagnostic (sau până acum)?',
				de: 'Wie viele verschiedene Fachärztinnen und Fachärzte wurden vor der Diagnose (oder bisher) aufgesucht?',
				ar: 'كم طبيبًا مختصًا مختلفًا تمت زيارته قبل التشخيص (أو حتى الآن)؟'
			},
			{ min: { valueInteger: 0 }, max: { valueInteger: 100 }, safe: true }
		),
		item(
			'specialties',
			'choice',
			{
				en: 'Which kinds of specialist?',
				es: '¿Qué tipo de especialistas?',
				ca: 'Quin tipus d’especialistes?',
				fr: 'Quels types de spécialistes ?',
				it: 'Quali tipi di specialisti?',
				pt: 'Que tipos de especialistas?',
				ro: 'Ce fel de specialiști?',
				de: 'Welche Fachrichtungen?',
				ar: 'ما أنواع الأطباء المختصين؟'
			},
			{
				repeats: true,
				control: 'check-box',
				safe: true,
				enableWhen: [{ question: 'specialists', operator: '>', answerInteger: 0 }],
				options: options('specialty', [
					{
						code: 'genetics',
						text: {
							en: 'Genetics',
							es: 'Genética',
							ca: 'Genètica',
							fr: 'Génétique',
							it: 'Genetica',
							pt: 'Genética',
							ro: 'Genetică',
							de: 'Humangenetik',
							ar: 'علم الوراثة'
						}
					},
					{
						code: 'neurology',
						text: {
							en: 'Neurology',
							es: 'Neurología',
							ca: 'Neurologia',
							fr: 'Neurologie',
							it: 'Neurologia',
							pt: 'Neurologia',
							ro: 'Neurologie',
							de: 'Neurologie',
							ar: 'طب الأعصاب'
						}
					},
					{
						code: 'paediatrics',
						text: {
							en: 'Paediatrics',
							es: 'Pediatría',
							ca: 'Pediatria',
							fr: 'Pédiatrie',
							it: 'Pediatria',
							pt: 'Pediatria',
							ro: 'Pediatrie',
							de: 'Kinderheilkunde',
							ar: 'طب الأطفال'
						}
					},
					{
						code: 'cardiology',
						text: {
							en: 'Heart (cardiology)',
							es: 'Corazón (cardiología)',
							ca: 'Cor (cardiologia)',
							fr: 'Cœur (cardiologie)',
							it: 'Cuore (cardiologia)',
							pt: 'Coração (cardiologia)',
							ro: 'Inimă (cardiologie)',
							de: 'Herz (Kardiologie)',
							ar: 'القلب (أمراض القلب)'
						}
					},
					{
						code: 'gastroenterology',
						text: {
							en: 'Digestion (gastroenterology)',
							es: 'Aparato digestivo (gastroenterología)',
							ca: 'Aparell digestiu (gastroenterologia)',
							fr: 'Digestion (gastro-entérologie)',
							it: 'Apparato digerente (gastroenterologia)',
							pt: 'Aparelho digestivo (gastrenterologia)',
							ro: 'Digestie (gastroenterologie)',
							de: 'Verdauung (Gastroenterologie)',
							ar: 'الجهاز الهضمي'
						}
					},
					{
						code: 'metabolism',
						text: {
							en: 'Hormones and metabolism',
							es: 'Hormonas y metabolismo',
							ca: 'Hormones i metabolisme',
							fr: 'Hormones et métabolisme',
							it: 'Ormoni e metabolismo',
							pt: 'Hormonas e metabolismo',
							ro: 'Hormoni și metabolism',
							de: 'Hormone und Stoffwechsel',
							ar: 'الهرمونات والاستقلاب'
						}
					},
					{
						code: 'eyes-ears',
						text: {
							en: 'Eyes or ears',
							es: 'Ojos u oídos',
							ca: 'Ulls o oïda',
							fr: 'Yeux ou oreilles',
							it: 'Occhi o orecchie',
							pt: 'Olhos ou ouvidos',
							ro: 'Ochi sau urechi',
							de: 'Augen oder Ohren',
							ar: 'العيون أو الأذن'
						}
					},
					{
						code: 'bones-muscles',
						text: {
							en: 'Bones, joints or muscles',
							es: 'Huesos, articulaciones o músculos',
							ca: 'Ossos, articulacions o músculs',
							fr: 'Os, articulations ou muscles',
							it: 'Ossa, articolazioni o muscoli',
							pt: 'Ossos, articulações ou músculos',
							ro: 'Oase, articulații sau mușchi',
							de: 'Knochen, Gelenke oder Muskeln',
							ar: 'العظام أو المفاصل أو العضلات'
						}
					},
					{
						code: 'mental-health',
						text: {
							en: 'Mental health or development',
							es: 'Salud mental o desarrollo',
							ca: 'Salut mental o desenvolupament',
							fr: 'Santé mentale ou développement',
							it: 'Salute mentale o sviluppo',
							pt: 'Saúde mental ou desenvolvimento',
							ro: 'Sănătate mintală sau dezvoltare',
							de: 'Psychische Gesundheit oder Entwicklung',
							ar: 'الصحة النفسية أو النمو'
						}
					},
					{
						code: 'other',
						text: {
							en: 'Other',
							es: 'Otra',
							ca: 'Una altra',
							fr: 'Autre',
							it: 'Altro',
							pt: 'Outra',
							ro: 'Alta',
							de: 'Andere',
							ar: 'أخرى'
						}
					}
				])
			}
		),
		item(
			'hospitalised',
			'boolean',
			{
				en: 'Has there been a stay in hospital because of the condition?',
				es: '¿Ha habido algún ingreso en el hospital por la enfermedad?',
				ca: 'Hi ha hagut algun ingrés a l’hospital per la malaltia?',
				fr: 'Y a-t-il eu une hospitalisation à cause de la maladie ?',
				it: 'C’è stato un ricovero in ospedale a causa della malattia?',
				pt: 'Houve algum internamento hospitalar por causa da doença?',
				ro: 'A existat o internare în spital din cauza bolii?',
				de: 'Gab es wegen der Erkrankung einen Krankenhausaufenthalt?',
				ar: 'هل كانت هناك إقامة في المستشفى بسبب المرض؟'
			},
			{ required: true, safe: true }
		),
		group(
			'stay',
			{
				en: 'Hospital stays',
				es: 'Ingresos hospitalarios',
				ca: 'Ingressos hospitalaris',
				fr: 'Hospitalisations',
				it: 'Ricoveri',
				pt: 'Internamentos',
				ro: 'Internări',
				de: 'Krankenhausaufenthalte',
				ar: 'الإقامات في المستشفى'
			},
			[
				item(
					'stay.admitted',
					'date',
					{
						en: 'Date of admission',
						es: 'Fecha de ingreso',
						ca: 'Data d’ingrés',
						fr: 'Date d’entrée',
						it: 'Data del ricovero',
						pt: 'Data de entrada',
						ro: 'Data internării',
						de: 'Aufnahmedatum',
						ar: 'تاريخ الدخول'
					},
					{ required: true, max: { valueDate: '2100-12-31' }, format: DATE_FORMAT, safe: true }
				),
				item(
					'stay.discharged',
					'date',
					{
						en: 'Date of discharge',
						es: 'Fecha de alta',
						ca: 'Data d’alta',
						fr: 'Date de sortie',
						it: 'Data di dimissione',
						pt: 'Data de alta',
						ro: 'Data externării',
						de: 'Entlassungsdatum',
						ar: 'تاريخ الخروج'
					},
					{
						format: DATE_FORMAT,
						safe: true,
						constraints: [
							{
								key: 'discharge-after-admission',
								expression: 'answer.value >= %admitted',
								human: {
									en: 'The discharge cannot be before the admission.',
									es: 'El alta no puede ser anterior al ingreso.',
									ca: 'L’alta no pot ser anterior a l’ingrés.',
									fr: 'La sortie ne peut pas précéder l’entrée.',
									it: 'La dimissione non può precedere il ricovero.',
									pt: 'A alta não pode ser anterior à entrada.',
									ro: 'Externarea nu poate fi înaintea internării.',
									de: 'Die Entlassung kann nicht vor der Aufnahme liegen.',
									ar: 'لا يمكن أن يكون الخروج قبل الدخول.'
								}
							}
						]
					}
				),
				item('stay.reason', 'string', {
					en: 'Main reason for the stay',
					es: 'Motivo principal del ingreso',
					ca: 'Motiu principal de l’ingrés',
					fr: 'Raison principale de l’hospitalisation',
					it: 'Motivo principale del ricovero',
					pt: 'Motivo principal do internamento',
					ro: 'Motivul principal al internării',
					de: 'Hauptgrund für den Aufenthalt',
					ar: 'السبب الرئيسي للإقامة'
				}),
				item(
					'stay.ward',
					'choice',
					{
						en: 'Ward',
						es: 'Servicio',
						ca: 'Servei',
						fr: 'Service',
						it: 'Reparto',
						pt: 'Serviço',
						ro: 'Secția',
						de: 'Station',
						ar: 'القسم'
					},
					{
						control: 'radio-button',
						safe: true,
						options: options('ward', [
							{
								code: 'paediatrics',
								text: {
									en: 'Paediatrics',
									es: 'Pediatría',
									ca: 'Pediatria',
									fr: 'Pédiatrie',
									it: 'Pediatria',
									pt: 'Pediatria',
									ro: 'Pediatrie',
									de: 'Kinderstation',
									ar: 'طب الأطفال'
								}
							},
							{
								code: 'neurology',
								text: {
									en: 'Neurology',
									es: 'Neurología',
									ca: 'Neurologia',
									fr: 'Neurologie',
									it: 'Neurologia',
									pt: 'Neurologia',
									ro: 'Neurologie',
									de: 'Neurologie',
									ar: 'طب الأعصاب'
								}
							},
							{
								code: 'other',
								text: {
									en: 'Other',
									es: 'Otro',
									ca: 'Un altre',
									fr: 'Autre',
									it: 'Altro',
									pt: 'Outro',
									ro: 'Alta',
									de: 'Andere',
									ar: 'قسم آخر'
								}
							}
						])
					}
				),
				item(
					'stay.icu',
					'boolean',
					{
						en: 'Was there a stay in intensive care?',
						es: '¿Hubo estancia en cuidados intensivos?',
						ca: 'Hi va haver estada a l’UCI?',
						fr: 'Y a-t-il eu un passage en réanimation ?',
						it: 'C’è stato un ricovero in terapia intensiva?',
						pt: 'Houve internamento nos cuidados intensivos?',
						ro: 'A fost nevoie de terapie intensivă?',
						de: 'Gab es einen Aufenthalt auf der Intensivstation?',
						ar: 'هل كانت هناك إقامة في العناية المركزة؟'
					},
					{ safe: true }
				),
				item(
					'stay.icu-days',
					'integer',
					{
						en: 'Days in intensive care',
						es: 'Días en cuidados intensivos',
						ca: 'Dies a l’UCI',
						fr: 'Jours en réanimation',
						it: 'Giorni in terapia intensiva',
						pt: 'Dias nos cuidados intensivos',
						ro: 'Zile în terapie intensivă',
						de: 'Tage auf der Intensivstation',
						ar: 'عدد الأيام في العناية المركزة'
					},
					{
						enableWhen: [when.yes('stay.icu')],
						min: { valueInteger: 1 },
						max: { valueInteger: 365 },
						safe: true
					}
				),
				group(
					'stay.procedure',
					{
						en: 'Procedures during this stay',
						es: 'Procedimientos durante este ingreso',
						ca: 'Procediments durant aquest ingrés',
						fr: 'Actes réalisés pendant ce séjour',
						it: 'Procedure durante questo ricovero',
						pt: 'Procedimentos durante este internamento',
						ro: 'Proceduri în timpul acestei internări',
						de: 'Eingriffe während dieses Aufenthalts',
						ar: 'الإجراءات خلال هذه الإقامة'
					},
					[
						item('stay.procedure.name', 'string', {
							en: 'Procedure',
							es: 'Procedimiento',
							ca: 'Procediment',
							fr: 'Acte',
							it: 'Procedura',
							pt: 'Procedimento',
							ro: 'Procedura',
							de: 'Eingriff',
							ar: 'الإجراء'
						}),
						item(
							'stay.procedure.date',
							'date',
							{
								en: 'Date of the procedure',
								es: 'Fecha del procedimiento',
								ca: 'Data del procediment',
								fr: 'Date de l’acte',
								it: 'Data della procedura',
								pt: 'Data do procedimento',
								ro: 'Data procedurii',
								de: 'Datum des Eingriffs',
								ar: 'تاريخ الإجراء'
							},
							{ format: DATE_FORMAT, safe: true }
						)
					],
					{ repeats: true }
				)
			],
			{
				repeats: true,
				enableWhen: [when.yes('hospitalised')],
				variables: [
					{ name: 'admitted', expression: "item.where(linkId='stay.admitted').answer.value" }
				]
			}
		),
		help('milestones-help', {
			en: 'Milestones: add the steps of development or of the condition that matter, such as first steps or the loss of a skill.',
			es: 'Hitos: añade las etapas del desarrollo o de la enfermedad que importan, como los primeros pasos o la pérdida de una habilidad.',
			ca: 'Fites: afegeix les etapes del desenvolupament o de la malaltia que importen, com les primeres passes o la pèrdua d’una habilitat.',
			fr: 'Étapes : ajoutez les étapes du développement ou de la maladie qui comptent, comme les premiers pas ou la perte d’une capacité.',
			it: 'Tappe: aggiungi le tappe dello sviluppo o della malattia che contano, come i primi passi o la perdita di un’abilità.',
			pt: 'Marcos: acrescente as etapas do desenvolvimento ou da doença que importam, como os primeiros passos ou a perda de uma capacidade.',
			ro: 'Etape: adaugă etapele dezvoltării sau ale bolii care contează, cum ar fi primii pași sau pierderea unei abilități.',
			de: 'Meilensteine: Tragen Sie die Entwicklungsschritte oder Wendepunkte ein, die zählen, etwa die ersten Schritte oder den Verlust einer Fähigkeit.',
			ar: 'المراحل: أضف مراحل النمو أو المرض المهمة، مثل الخطوات الأولى أو فقدان مهارة ما.'
		}),
		group(
			'milestone',
			{
				en: 'Milestones',
				es: 'Hitos',
				ca: 'Fites',
				fr: 'Étapes',
				it: 'Tappe',
				pt: 'Marcos',
				ro: 'Etape',
				de: 'Meilensteine',
				ar: 'المراحل'
			},
			[
				item(
					'milestone.what',
					'choice',
					{
						en: 'Milestone',
						es: 'Hito',
						ca: 'Fita',
						fr: 'Étape',
						it: 'Tappa',
						pt: 'Marco',
						ro: 'Etapa',
						de: 'Meilenstein',
						ar: 'المرحلة'
					},
					{
						control: 'drop-down',
						safe: true,
						options: options('milestone', [
							{
								code: 'head-control',
								text: {
									en: 'Held the head up',
									es: 'Sostener la cabeza',
									ca: 'Aguantar el cap',
									fr: 'Tenir sa tête',
									it: 'Tenere su la testa',
									pt: 'Segurar a cabeça',
									ro: 'Ținerea capului',
									de: 'Kopf halten',
									ar: 'رفع الرأس'
								}
							},
							{
								code: 'sitting',
								text: {
									en: 'Sat without support',
									es: 'Sentarse sin apoyo',
									ca: 'Seure sense suport',
									fr: 'S’asseoir sans appui',
									it: 'Stare seduto senza appoggio',
									pt: 'Sentar-se sem apoio',
									ro: 'Statul în șezut fără sprijin',
									de: 'Freies Sitzen',
									ar: 'الجلوس دون سند'
								}
							},
							{
								code: 'walking',
								text: {
									en: 'Walked alone',
									es: 'Caminar sin ayuda',
									ca: 'Caminar sense ajuda',
									fr: 'Marcher seul',
									it: 'Camminare da solo',
									pt: 'Andar sem ajuda',
									ro: 'Mersul fără ajutor',
									de: 'Freies Laufen',
									ar: 'المشي دون مساعدة'
								}
							},
							{
								code: 'first-words',
								text: {
									en: 'First words',
									es: 'Primeras palabras',
									ca: 'Primeres paraules',
									fr: 'Premiers mots',
									it: 'Prime parole',
									pt: 'Primeiras palavras',
									ro: 'Primele cuvinte',
									de: 'Erste Wörter',
									ar: 'الكلمات الأولى'
								}
							},
							{
								code: 'sentences',
								text: {
									en: 'Short sentences',
									es: 'Frases cortas',
									ca: 'Frases curtes',
									fr: 'Phrases courtes',
									it: 'Frasi brevi',
									pt: 'Frases curtas',
									ro: 'Propoziții scurte',
									de: 'Kurze Sätze',
									ar: 'جمل قصيرة'
								}
							},
							{
								code: 'toilet',
								text: {
									en: 'Dry in the day (toilet trained)',
									es: 'Control de esfínteres de día',
									ca: 'Control d’esfínters de dia',
									fr: 'Propreté de jour',
									it: 'Controllo sfinterico di giorno',
									pt: 'Controlo dos esfíncteres de dia',
									ro: 'Controlul sfincterelor ziua',
									de: 'Tagsüber trocken',
									ar: 'التحكم في الإخراج نهارًا'
								}
							},
							{
								code: 'reading',
								text: {
									en: 'Reading and writing',
									es: 'Leer y escribir',
									ca: 'Llegir i escriure',
									fr: 'Lire et écrire',
									it: 'Leggere e scrivere',
									pt: 'Ler e escrever',
									ro: 'Cititul și scrisul',
									de: 'Lesen und Schreiben',
									ar: 'القراءة والكتابة'
								}
							},
							{
								code: 'puberty',
								text: {
									en: 'Puberty',
									es: 'Pubertad',
									ca: 'Pubertat',
									fr: 'Puberté',
									it: 'Pubertà',
									pt: 'Puberdade',
									ro: 'Pubertatea',
									de: 'Pubertät',
									ar: 'البلوغ'
								}
							},
							{
								code: 'wheelchair',
								text: {
									en: 'Started using a wheelchair',
									es: 'Empezar a usar silla de ruedas',
									ca: 'Començar a fer servir cadira de rodes',
									fr: 'Début du fauteuil roulant',
									it: 'Inizio dell’uso della sedia a rotelle',
									pt: 'Começar a usar cadeira de rodas',
									ro: 'Începutul folosirii scaunului cu rotile',
									de: 'Beginn der Rollstuhlnutzung',
									ar: 'بدء استخدام الكرسي المتحرك'
								}
							},
							{
								code: 'other',
								text: {
									en: 'Other',
									es: 'Otro',
									ca: 'Una altra',
									fr: 'Autre',
									it: 'Altro',
									pt: 'Outro',
									ro: 'Alta',
									de: 'Anderer',
									ar: 'أخرى'
								}
							}
						])
					}
				),
				item(
					'milestone.status',
					'choice',
					{
						en: 'What happened?',
						es: '¿Qué pasó?',
						ca: 'Què va passar?',
						fr: 'Que s’est-il passé ?',
						it: 'Che cosa è successo?',
						pt: 'O que aconteceu?',
						ro: 'Ce s-a întâmplat?',
						de: 'Wie war es?',
						ar: 'ماذا حدث؟'
					},
					{
						control: 'radio-button',
						safe: true,
						options: options('milestone-status', [
							{
								code: 'on-time',
								text: {
									en: 'Reached at the usual age',
									es: 'Se alcanzó a la edad habitual',
									ca: 'Es va assolir a l’edat habitual',
									fr: 'Atteinte à l’âge habituel',
									it: 'Raggiunta all’età abituale',
									pt: 'Alcançado na idade habitual',
									ro: 'Atinsă la vârsta obișnuită',
									de: 'Im üblichen Alter erreicht',
									ar: 'تحققت في العمر المعتاد'
								}
							},
							{
								code: 'late',
								text: {
									en: 'Reached late',
									es: 'Se alcanzó tarde',
									ca: 'Es va assolir tard',
									fr: 'Atteinte en retard',
									it: 'Raggiunta in ritardo',
									pt: 'Alcançado tarde',
									ro: 'Atinsă târziu',
									de: 'Spät erreicht',
									ar: 'تحققت متأخرة'
								}
							},
							{
								code: 'not-yet',
								text: {
									en: 'Not reached yet',
									es: 'Todavía no se ha alcanzado',
									ca: 'Encara no s’ha assolit',
									fr: 'Pas encore atteinte',
									it: 'Non ancora raggiunta',
									pt: 'Ainda não alcançado',
									ro: 'Neatinsă încă',
									de: 'Noch nicht erreicht',
									ar: 'لم تتحقق بعد'
								}
							},
							{
								code: 'lost',
								text: {
									en: 'Reached, then lost',
									es: 'Se alcanzó y luego se perdió',
									ca: 'Es va assolir i després es va perdre',
									fr: 'Atteinte, puis perdue',
									it: 'Raggiunta, poi persa',
									pt: 'Alcançado e depois perdido',
									ro: 'Atinsă, apoi pierdută',
									de: 'Erreicht, dann verloren',
									ar: 'تحققت ثم فُقدت'
								}
							}
						])
					}
				),
				item(
					'milestone.age',
					'decimal',
					{
						en: 'Age at the time (years; 1.5 for a year and a half)',
						es: 'Edad en ese momento (años; 1,5 para año y medio)',
						ca: 'Edat en aquell moment (anys; 1,5 per a un any i mig)',
						fr: 'Âge à ce moment (ans ; 1,5 pour un an et demi)',
						it: 'Età in quel momento (anni; 1,5 per un anno e mezzo)',
						pt: 'Idade nesse momento (anos; 1,5 para um ano e meio)',
						ro: 'Vârsta atunci (ani; 1,5 pentru un an și jumătate)',
						de: 'Alter zu diesem Zeitpunkt (Jahre; 1,5 für anderthalb Jahre)',
						ar: 'العمر في ذلك الوقت (بالسنوات؛ 1.5 لسنة ونصف)'
					},
					{
						enableWhen: [when.isNot('milestone.status', 'not-yet', 'milestone-status')],
						min: { valueDecimal: 0 },
						max: { valueDecimal: 120 },
						maxDecimals: 1,
						safe: true
					}
				)
			],
			{ repeats: true }
		),
		group(
			'family',
			{
				en: 'Family history',
				es: 'Antecedentes familiares',
				ca: 'Antecedents familiars',
				fr: 'Antécédents familiaux',
				it: 'Storia familiare',
				pt: 'Antecedentes familiares',
				ro: 'Istoric familial',
				de: 'Familiengeschichte',
				ar: 'التاريخ العائلي'
			},
			[
				item(
					'family.any',
					'choice',
					{
						en: 'Does anyone else in the family have the same condition or similar symptoms?',
						es: '¿Alguien más de la familia tiene la misma enfermedad o síntomas parecidos?',
						ca: 'Algú més de la família té la mateixa malaltia o símptomes semblants?',
						fr: 'Quelqu’un d’autre dans la famille a-t-il la même maladie ou des symptômes proches ?',
						it: 'Qualcun altro in famiglia ha la stessa malattia o sintomi simili?',
						pt: 'Mais alguém na família tem a mesma doença ou sintomas parecidos?',
						ro: 'Mai are cineva din familie aceeași boală sau simptome asemănătoare?',
						de: 'Hat noch jemand in der Familie dieselbe Erkrankung oder ähnliche Beschwerden?',
						ar: 'هل لدى أحد آخر في العائلة المرض نفسه أو أعراض مشابهة؟'
					},
					{ valueSet: YES_NO_DONT_KNOW, control: 'radio-button', safe: true }
				),
				group(
					'family.member',
					{
						en: 'Relatives with the condition or similar symptoms',
						es: 'Familiares con la enfermedad o síntomas parecidos',
						ca: 'Familiars amb la malaltia o símptomes semblants',
						fr: 'Membres de la famille avec la maladie ou des symptômes proches',
						it: 'Familiari con la malattia o sintomi simili',
						pt: 'Familiares com a doença ou sintomas parecidos',
						ro: 'Rude cu boala sau simptome asemănătoare',
						de: 'Verwandte mit der Erkrankung oder ähnlichen Beschwerden',
						ar: 'الأقارب المصابون بالمرض أو بأعراض مشابهة'
					},
					[
						item(
							'family.member.relative',
							'choice',
							{
								en: 'Relative',
								es: 'Familiar',
								ca: 'Familiar',
								fr: 'Lien de parenté',
								it: 'Familiare',
								pt: 'Familiar',
								ro: 'Ruda',
								de: 'Verwandtschaft',
								ar: 'صلة القرابة'
							},
							{ control: 'drop-down', safe: true, options: RELATIVES }
						),
						item(
							'family.member.same',
							'choice',
							{
								en: 'What do they have?',
								es: '¿Qué tiene?',
								ca: 'Què té?',
								fr: 'Qu’a cette personne ?',
								it: 'Che cosa ha?',
								pt: 'O que tem?',
								ro: 'Ce are?',
								de: 'Was hat die Person?',
								ar: 'ماذا لديه؟'
							},
							{
								control: 'radio-button',
								safe: true,
								options: options('family-finding', [
									{
										code: 'same-diagnosis',
										text: {
											en: 'The same diagnosis',
											es: 'El mismo diagnóstico',
											ca: 'El mateix diagnòstic',
											fr: 'Le même diagnostic',
											it: 'La stessa diagnosi',
											pt: 'O mesmo diagnóstico',
											ro: 'Același diagnostic',
											de: 'Dieselbe Diagnose',
											ar: 'التشخيص نفسه'
										}
									},
									{
										code: 'similar-symptoms',
										text: {
											en: 'Similar symptoms, no diagnosis',
											es: 'Síntomas parecidos, sin diagnóstico',
											ca: 'Símptomes semblants, sense diagnòstic',
											fr: 'Des symptômes proches, sans diagnostic',
											it: 'Sintomi simili, senza diagnosi',
											pt: 'Sintomas parecidos, sem diagnóstico',
											ro: 'Simptome asemănătoare, fără diagnostic',
											de: 'Ähnliche Beschwerden, keine Diagnose',
											ar: 'أعراض مشابهة دون تشخيص'
										}
									},
									{
										code: 'carrier',
										text: {
											en: 'Carrier, without symptoms',
											es: 'Portador, sin síntomas',
											ca: 'Portador, sense símptomes',
											fr: 'Porteur, sans symptômes',
											it: 'Portatore, senza sintomi',
											pt: 'Portador, sem sintomas',
											ro: 'Purtător, fără simptome',
											de: 'Anlageträger, ohne Beschwerden',
											ar: 'حامل للمرض دون أعراض'
										}
									}
								])
							}
						)
					],
					{
						repeats: true,
						enableWhen: [when.is('family.any', 'Y', YES_CODING_SYSTEM)]
					}
				),
				item(
					'family.related-parents',
					'choice',
					{
						en: 'Are the parents related by blood (for example, cousins)?',
						es: '¿Los padres son familia entre sí (por ejemplo, primos)?',
						ca: 'Els pares són família entre ells (per exemple, cosins)?',
						fr: 'Les parents sont-ils apparentés (par exemple cousins) ?',
						it: 'I genitori sono parenti tra loro (per esempio cugini)?',
						pt: 'Os pais são parentes entre si (por exemplo, primos)?',
						ro: 'Părinții sunt rude de sânge (de exemplu, veri)?',
						de: 'Sind die Eltern blutsverwandt (zum Beispiel Cousin und Cousine)?',
						ar: 'هل الوالدان أقارب بالدم (مثل أبناء العمومة)؟'
					},
					{ valueSet: YES_NO_DONT_KNOW, control: 'radio-button', safe: true }
				)
			]
		),
		item('notes', 'text', {
			en: 'Anything else about how the condition has developed',
			es: 'Algo más sobre cómo ha evolucionado la enfermedad',
			ca: 'Alguna cosa més sobre com ha evolucionat la malaltia',
			fr: 'Autre chose sur l’évolution de la maladie',
			it: 'Altro sull’evoluzione della malattia',
			pt: 'Mais alguma coisa sobre a evolução da doença',
			ro: 'Altceva despre cum a evoluat boala',
			de: 'Sonstiges zum Verlauf der Erkrankung',
			ar: 'أي شيء آخر عن تطوّر المرض'
		})
	]
});
