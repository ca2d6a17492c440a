/**
 * About the person, version 2. Keeps v1's linkIds for what stays (sex, birth, country,
 * filled-by, org-site); leaves out what researchers never use and a phone should not keep
 * (a helper's first name, the time of waking up) and the pregnancy question (not a registry
 * item); adds living situation, school or work, support and patient organisation, all coded.
 * The age is not asked: it follows from the birth month.
 */
import { DATE_FORMAT, WHO_FILLS_IN_HELP } from './common';
import {
	help,
	item,
	options,
	questionnaire,
	same,
	when,
	YES_CODING_SYSTEM,
	YES_NO_DONT_KNOW
} from './author';

const OCCUPATION = 'occupation';

export default questionnaire({
	name: 'about-the-person',
	version: '2',
	date: '2026-12-07',
	consentScope: 'about-me',
	title: {
		en: 'About the person',
		es: 'Sobre la persona',
		ca: 'Sobre la persona',
		fr: 'À propos de la personne',
		it: 'Sulla persona',
		pt: 'Sobre a pessoa',
		ro: 'Despre persoană',
		de: 'Zur Person',
		ar: 'عن الشخص'
	},
	items: [
		help('intro', WHO_FILLS_IN_HELP),
		item(
			'birth',
			'date',
			{
				en: 'Date of birth',
				es: 'Fecha de nacimiento',
				ca: 'Data de naixement',
				fr: 'Date de naissance',
				it: 'Data di nascita',
				pt: 'Data de nascimento',
				ro: 'Data nașterii',
				de: 'Geburtsdatum',
				ar: 'تاريخ الميلاد'
			},
			{
				required: true,
				min: { valueDate: '1900-01-01' },
				format: DATE_FORMAT,
				safe: true
			}
		),
		item(
			'sex',
			'choice',
			{
				en: 'Sex recorded at birth',
				es: 'Sexo registrado al nacer',
				ca: 'Sexe registrat en néixer',
				fr: 'Sexe enregistré à la naissance',
				it: 'Sesso registrato alla nascita',
				pt: 'Sexo registado à nascença',
				ro: 'Sexul înregistrat la naștere',
				de: 'Bei der Geburt eingetragenes Geschlecht',
				ar: 'الجنس المسجّل عند الولادة'
			},
			{
				required: true,
				valueSet: 'http://hl7.org/fhir/ValueSet/administrative-gender',
				control: 'radio-button',
				safe: true
			}
		),
		item(
			'country',
			'string',
			{
				en: 'Country of residence (two-letter code)',
				es: 'País de residencia (código de dos letras)',
				ca: 'País de residència (codi de dues lletres)',
				fr: 'Pays de résidence (code à deux lettres)',
				it: 'Paese di residenza (codice di due lettere)',
				pt: 'País de residência (código de duas letras)',
				ro: 'Țara de reședință (cod din două litere)',
				de: 'Wohnland (zweistelliger Code)',
				ar: 'بلد الإقامة (رمز من حرفين)'
			},
			{ regex: '[A-Z]{2}', format: same('ES'), safe: true }
		),
		item(
			'filled-by',
			'choice',
			{
				en: 'Who is filling in this form?',
				es: '¿Quién rellena este formulario?',
				ca: 'Qui emplena aquest formulari?',
				fr: 'Qui remplit ce formulaire ?',
				it: 'Chi compila questo modulo?',
				pt: 'Quem preenche este formulário?',
				ro: 'Cine completează acest formular?',
				de: 'Wer füllt dieses Formular aus?',
				ar: 'من يملأ هذا النموذج؟'
			},
			{
				valueSet: 'https://dazzle.health/fhir/ValueSet/relation',
				control: 'radio-button',
				safe: true
			}
		),
		item(
			'living',
			'choice',
			{
				en: 'Where do you live?',
				es: '¿Dónde vives?',
				ca: 'On vius?',
				fr: 'Où vivez-vous ?',
				it: 'Dove vivi?',
				pt: 'Onde vive?',
				ro: 'Unde locuiești?',
				de: 'Wo wohnen Sie?',
				ar: 'أين تعيش؟'
			},
			{
				other: {
					en: 'Where do they live?',
					es: '¿Dónde vive?',
					ca: 'On viu?',
					fr: 'Où vit cette personne ?',
					it: 'Dove vive?',
					pt: 'Onde vive essa pessoa?',
					ro: 'Unde locuiește?',
					de: 'Wo wohnt die Person?',
					ar: 'أين يعيش؟'
				},
				child: {
					en: 'Where does your child live?',
					es: '¿Dónde vive tu hijo o hija?',
					ca: 'On viu el teu fill o filla?',
					fr: 'Où vit votre enfant ?',
					it: 'Dove vive tuo figlio o tua figlia?',
					pt: 'Onde vive o seu filho ou filha?',
					ro: 'Unde locuiește copilul tău?',
					de: 'Wo wohnt Ihr Kind?',
					ar: 'أين يعيش طفلك؟'
				},
				control: 'radio-button',
				safe: true,
				options: options('living-situation', [
					{
						code: 'family',
						text: {
							en: 'At home with family',
							es: 'En casa con la familia',
							ca: 'A casa amb la família',
							fr: 'À la maison, en famille',
							it: 'A casa con la famiglia',
							pt: 'Em casa com a família',
							ro: 'Acasă, cu familia',
							de: 'Zu Hause mit der Familie',
							ar: 'في المنزل مع العائلة'
						}
					},
					{
						code: 'alone',
						text: {
							en: 'At home alone',
							es: 'En casa, solo o sola',
							ca: 'A casa, sol o sola',
							fr: 'À la maison, seul',
							it: 'A casa da solo o sola',
							pt: 'Em casa, sozinho ou sozinha',
							ro: 'Acasă, singur',
							de: 'Allein zu Hause',
							ar: 'في المنزل بمفرده'
						}
					},
					{
						code: 'supported',
						text: {
							en: 'In supported housing or a care home',
							es: 'En una vivienda tutelada o una residencia',
							ca: 'En un habitatge tutelat o una residència',
							fr: 'En logement accompagné ou en établissement',
							it: 'In una struttura assistita o residenziale',
							pt: 'Numa residência assistida ou lar',
							ro: 'Într-o locuință protejată sau un centru de îngrijire',
							de: 'Im betreuten Wohnen oder in einer Einrichtung',
							ar: 'في سكن مدعوم أو دار رعاية'
						}
					},
					{
						code: 'other',
						text: {
							en: 'Somewhere else',
							es: 'En otro lugar',
							ca: 'En un altre lloc',
							fr: 'Ailleurs',
							it: 'Altrove',
							pt: 'Noutro lugar',
							ro: 'În altă parte',
							de: 'Anderswo',
							ar: 'في مكان آخر'
						}
					}
				])
			}
		),
		item(
			'occupation',
			'choice',
			{
				en: 'What do you do during the day?',
				es: '¿A qué te dedicas durante el día?',
				ca: 'A què et dediques durant el dia?',
				fr: 'Que faites-vous dans la journée ?',
				it: 'Che cosa fai durante il giorno?',
				pt: 'O que faz durante o dia?',
				ro: 'Ce faci în timpul zilei?',
				de: 'Was machen Sie tagsüber?',
				ar: 'ماذا تفعل خلال النهار؟'
			},
			{
				other: {
					en: 'What do they do during the day?',
					es: '¿A qué se dedica durante el día?',
					ca: 'A què es dedica durant el dia?',
					fr: 'Que fait cette personne dans la journée ?',
					it: 'Che cosa fa durante il giorno?',
					pt: 'O que faz essa pessoa durante o dia?',
					ro: 'Ce face în timpul zilei?',
					de: 'Was macht die Person tagsüber?',
					ar: 'ماذا يفعل خلال النهار؟'
				},
				child: {
					en: 'Where does your child spend the day?',
					es: '¿Dónde pasa el día tu hijo o hija?',
					ca: 'On passa el dia el teu fill o filla?',
					fr: 'Où votre enfant passe-t-il la journée ?',
					it: 'Dove passa la giornata tuo figlio o tua figlia?',
					pt: 'Onde passa o dia o seu filho ou filha?',
					ro: 'Unde își petrece ziua copilul tău?',
					de: 'Wo verbringt Ihr Kind den Tag?',
					ar: 'أين يقضي طفلك يومه؟'
				},
				control: 'radio-button',
				safe: true,
				options: options(OCCUPATION, [
					{
						code: 'home',
						text: {
							en: 'At home',
							es: 'En casa',
							ca: 'A casa',
							fr: 'À la maison',
							it: 'A casa',
							pt: 'Em casa',
							ro: 'Acasă',
							de: 'Zu Hause',
							ar: 'في المنزل'
						}
					},
					{
						code: 'school',
						text: {
							en: 'Nursery or school',
							es: 'Guardería o colegio',
							ca: 'Llar d’infants o escola',
							fr: 'Crèche ou école',
							it: 'Nido o scuola',
							pt: 'Creche ou escola',
							ro: 'Creșă, grădiniță sau școală',
							de: 'Kita oder Schule',
							ar: 'الحضانة أو المدرسة'
						}
					},
					{
						code: 'studies',
						text: {
							en: 'Further studies or training',
							es: 'Estudios superiores o formación',
							ca: 'Estudis superiors o formació',
							fr: 'Études ou formation',
							it: 'Studi superiori o formazione',
							pt: 'Estudos superiores ou formação',
							ro: 'Studii superioare sau formare',
							de: 'Studium oder Ausbildung',
							ar: 'دراسة عليا أو تدريب'
						}
					},
					{
						code: 'work',
						text: {
							en: 'Paid work',
							es: 'Trabajo remunerado',
							ca: 'Feina remunerada',
							fr: 'Travail rémunéré',
							it: 'Lavoro retribuito',
							pt: 'Trabalho remunerado',
							ro: 'Muncă plătită',
							de: 'Bezahlte Arbeit',
							ar: 'عمل مأجور'
						}
					},
					{
						code: 'unable',
						text: {
							en: 'Cannot work or study because of the condition',
							es: 'No puede trabajar ni estudiar por la enfermedad',
							ca: 'No pot treballar ni estudiar per la malaltia',
							fr: 'Ne peut ni travailler ni étudier à cause de la maladie',
							it: 'Non può lavorare né studiare a causa della malattia',
							pt: 'Não pode trabalhar nem estudar por causa da doença',
							ro: 'Nu poate munci sau studia din cauza bolii',
							de: 'Kann wegen der Erkrankung weder arbeiten noch lernen',
							ar: 'لا يستطيع العمل أو الدراسة بسبب المرض'
						}
					},
					{
						code: 'retired',
						text: {
							en: 'Retired',
							es: 'Jubilado o jubilada',
							ca: 'Jubilat o jubilada',
							fr: 'Retraité',
							it: 'In pensione',
							pt: 'Reformado ou reformada',
							ro: 'Pensionar',
							de: 'Im Ruhestand',
							ar: 'متقاعد'
						}
					}
				])
			}
		),
		item(
			'support',
			'choice',
			{
				en: 'Is there extra support at school, in studies or at work because of the condition?',
				es: '¿Hay apoyo adicional en el colegio, los estudios o el trabajo por la enfermedad?',
				ca: 'Hi ha suport addicional a l’escola, als estudis o a la feina per la malaltia?',
				fr: 'Y a-t-il un soutien particulier à l’école, dans les études ou au travail à cause de la maladie ?',
				it: 'C’è un sostegno in più a scuola, nello studio o al lavoro a causa della malattia?',
				pt: 'Há apoio adicional na escola, nos estudos ou no trabalho por causa da doença?',
				ro: 'Există sprijin suplimentar la școală, la studii sau la muncă din cauza bolii?',
				de: 'Gibt es wegen der Erkrankung zusätzliche Unterstützung in Schule, Ausbildung oder Beruf?',
				ar: 'هل يوجد دعم إضافي في المدرسة أو الدراسة أو العمل بسبب المرض؟'
			},
			{
				enableWhen: [
					when.is('occupation', 'school', OCCUPATION),
					when.is('occupation', 'studies', OCCUPATION),
					when.is('occupation', 'work', OCCUPATION)
				],
				enableBehavior: 'any',
				valueSet: YES_NO_DONT_KNOW,
				control: 'radio-button',
				safe: true
			}
		),
		item(
			'disability',
			'choice',
			{
				en: 'Is there an official recognition of disability or dependency?',
				es: '¿Hay un reconocimiento oficial de discapacidad o dependencia?',
				ca: 'Hi ha un reconeixement oficial de discapacitat o dependència?',
				fr: 'Y a-t-il une reconnaissance officielle de handicap ou de dépendance ?',
				it: 'C’è un riconoscimento ufficiale di invalidità o non autosufficienza?',
				pt: 'Existe um reconhecimento oficial de incapacidade ou dependência?',
				ro: 'Există o recunoaștere oficială a unui handicap sau a dependenței?',
				de: 'Gibt es eine amtliche Anerkennung einer Behinderung oder eines Pflegegrads?',
				ar: 'هل يوجد اعتراف رسمي بالإعاقة أو بالحاجة إلى الرعاية؟'
			},
			{ valueSet: YES_NO_DONT_KNOW, control: 'radio-button', safe: true }
		),
		item(
			'patient-org',
			'choice',
			{
				en: 'Are you in touch with a patient organisation for the condition?',
				es: '¿Estáis en contacto con una asociación de pacientes de la enfermedad?',
				ca: 'Esteu en contacte amb una associació de pacients de la malaltia?',
				fr: 'Êtes-vous en contact avec une association de patients pour cette maladie ?',
				it: 'Siete in contatto con un’associazione di pazienti per questa malattia?',
				pt: 'Está em contacto com uma associação de doentes desta doença?',
				ro: 'Sunteți în legătură cu o asociație de pacienți pentru această boală?',
				de: 'Haben Sie Kontakt zu einer Patientenorganisation für diese Erkrankung?',
				ar: 'هل أنتم على تواصل مع جمعية مرضى لهذا المرض؟'
			},
			{ valueSet: YES_NO_DONT_KNOW, control: 'radio-button', safe: true }
		),
		item(
			'org-site',
			'url',
			{
				en: 'Website of the patient organisation',
				es: 'Web de la asociación de pacientes',
				ca: 'Web de l’associació de pacients',
				fr: 'Site de l’association de patients',
				it: 'Sito dell’associazione di pazienti',
				pt: 'Site da associação de doentes',
				ro: 'Site-ul asociației de pacienți',
				de: 'Website der Patientenorganisation',
				ar: 'موقع جمعية المرضى'
			},
			{ enableWhen: [when.is('patient-org', 'Y', YES_CODING_SYSTEM)] }
		)
	]
});
