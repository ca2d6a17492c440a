/**
 * Quality of life, version 2: our own wording (v1 followed a licensed instrument's layout and is
 * replaced; its answers have no counterpart here and are set aside if a draft migrates). The
 * last 7 days; 0–10 scales where a degree is asked, choices where a frequency is. Every question
 * speaks to the person, to an adult cared for, or about a child, with the same linkIds. The
 * summary is the mean of the four 0–10 limitation scales (higher = more limited), shown once
 * all four are answered.
 */
import { LIMIT_SCALE_HINT } from './common';
import {
	answerAt,
	group,
	help,
	item,
	options,
	questionnaire,
	type ItemSpec,
	type T
} from './author';

const SCALE: ItemSpec = {
	control: 'slider',
	step: 1,
	min: { valueInteger: 0 },
	max: { valueInteger: 10 },
	format: LIMIT_SCALE_HINT,
	safe: true
};

const scale = (linkId: string, self: T, other: T, child: T) =>
	item(linkId, 'integer', self, { ...SCALE, other, child });

const NOT_APPLICABLE: T = {
	en: 'Does not apply',
	es: 'No corresponde',
	ca: 'No escau',
	fr: 'Ne s’applique pas',
	it: 'Non applicabile',
	pt: 'Não se aplica',
	ro: 'Nu se aplică',
	de: 'Trifft nicht zu',
	ar: 'لا ينطبق'
};

export default questionnaire({
	name: 'quality-of-life',
	version: '2',
	date: '2026-12-07',
	consentScope: 'quality-of-life',
	title: {
		en: 'Quality of life',
		es: 'Calidad de vida',
		ca: 'Qualitat de vida',
		fr: 'Qualité de vie',
		it: 'Qualità della vita',
		pt: 'Qualidade de vida',
		ro: 'Calitatea vieții',
		de: 'Lebensqualität',
		ar: 'جودة الحياة'
	},
	items: [
		help('intro', {
			en: 'These questions are about the last 7 days. There are no right or wrong answers.',
			es: 'Estas preguntas se refieren a los últimos 7 días. No hay respuestas correctas ni incorrectas.',
			ca: 'Aquestes preguntes es refereixen als últims 7 dies. No hi ha respostes correctes ni incorrectes.',
			fr: 'Ces questions portent sur les 7 derniers jours. Il n’y a pas de bonne ou de mauvaise réponse.',
			it: 'Queste domande riguardano gli ultimi 7 giorni. Non ci sono risposte giuste o sbagliate.',
			pt: 'Estas perguntas referem-se aos últimos 7 dias. Não há respostas certas nem erradas.',
			ro: 'Aceste întrebări se referă la ultimele 7 zile. Nu există răspunsuri corecte sau greșite.',
			de: 'Diese Fragen beziehen sich auf die letzten 7 Tage. Es gibt keine richtigen oder falschen Antworten.',
			ar: 'تتعلق هذه الأسئلة بالأيام السبعة الماضية. لا توجد إجابات صحيحة أو خاطئة.'
		}),
		group(
			'body',
			{
				en: 'Body and energy',
				es: 'Cuerpo y energía',
				ca: 'Cos i energia',
				fr: 'Corps et énergie',
				it: 'Corpo ed energia',
				pt: 'Corpo e energia',
				ro: 'Corp și energie',
				de: 'Körper und Energie',
				ar: 'الجسم والطاقة'
			},
			[
				scale(
					'activities',
					{
						en: 'How much did the condition limit your daily activities, such as washing, dressing, eating or getting around?',
						es: '¿Cuánto te ha limitado la enfermedad en las actividades diarias, como lavarte, vestirte, comer o desplazarte?',
						ca: 'Quant t’ha limitat la malaltia en les activitats diàries, com rentar-te, vestir-te, menjar o desplaçar-te?',
						fr: 'À quel point la maladie a-t-elle limité vos activités quotidiennes, comme vous laver, vous habiller, manger ou vous déplacer ?',
						it: 'Quanto la malattia ha limitato le tue attività quotidiane, come lavarti, vestirti, mangiare o spostarti?',
						pt: 'Quanto é que a doença limitou as suas atividades diárias, como lavar-se, vestir-se, comer ou deslocar-se?',
						ro: 'Cât de mult ți-a limitat boala activitățile zilnice, cum ar fi spălatul, îmbrăcatul, mâncatul sau deplasarea?',
						de: 'Wie sehr hat die Erkrankung Ihre Alltagsaktivitäten eingeschränkt, etwa Waschen, Anziehen, Essen oder Fortbewegen?',
						ar: 'إلى أي حد حدّ المرض من أنشطتك اليومية، مثل الاغتسال وارتداء الملابس والأكل والتنقل؟'
					},
					{
						en: 'How much did the condition limit their daily activities, such as washing, dressing, eating or getting around?',
						es: '¿Cuánto le ha limitado la enfermedad en las actividades diarias, como lavarse, vestirse, comer o desplazarse?',
						ca: 'Quant li ha limitat la malaltia en les activitats diàries, com rentar-se, vestir-se, menjar o desplaçar-se?',
						fr: 'À quel point la maladie a-t-elle limité ses activités quotidiennes, comme se laver, s’habiller, manger ou se déplacer ?',
						it: 'Quanto la malattia ha limitato le sue attività quotidiane, come lavarsi, vestirsi, mangiare o spostarsi?',
						pt: 'Quanto é que a doença limitou as atividades diárias dessa pessoa, como lavar-se, vestir-se, comer ou deslocar-se?',
						ro: 'Cât de mult i-a limitat boala activitățile zilnice, cum ar fi spălatul, îmbrăcatul, mâncatul sau deplasarea?',
						de: 'Wie sehr hat die Erkrankung die Alltagsaktivitäten der Person eingeschränkt, etwa Waschen, Anziehen, Essen oder Fortbewegen?',
						ar: 'إلى أي حد حدّ المرض من أنشطته اليومية، مثل الاغتسال وارتداء الملابس والأكل والتنقل؟'
					},
					{
						en: 'How much did the condition get in the way of your child’s everyday activities, such as playing, eating, dressing or getting around?',
						es: '¿Cuánto le ha dificultado la enfermedad a tu hijo o hija las actividades de cada día, como jugar, comer, vestirse o moverse?',
						ca: 'Quant li ha dificultat la malaltia al teu fill o filla les activitats de cada dia, com jugar, menjar, vestir-se o moure’s?',
						fr: 'À quel point la maladie a-t-elle gêné votre enfant dans ses activités de tous les jours, comme jouer, manger, s’habiller ou se déplacer ?',
						it: 'Quanto la malattia ha ostacolato tuo figlio o tua figlia nelle attività di ogni giorno, come giocare, mangiare, vestirsi o muoversi?',
						pt: 'Quanto é que a doença dificultou as atividades do dia a dia do seu filho ou filha, como brincar, comer, vestir-se ou deslocar-se?',
						ro: 'Cât de mult l-a împiedicat boala pe copilul tău în activitățile de zi cu zi, cum ar fi joaca, mâncatul, îmbrăcatul sau mersul?',
						de: 'Wie sehr hat die Erkrankung Ihr Kind bei alltäglichen Dingen behindert, etwa Spielen, Essen, Anziehen oder Sich-Fortbewegen?',
						ar: 'إلى أي حد أعاق المرض طفلك في أنشطته اليومية، مثل اللعب والأكل وارتداء الملابس والتنقل؟'
					}
				),
				scale(
					'pain',
					{
						en: 'How much pain have you had?',
						es: '¿Cuánto dolor has tenido?',
						ca: 'Quant dolor has tingut?',
						fr: 'Quelle douleur avez-vous eue ?',
						it: 'Quanto dolore hai avuto?',
						pt: 'Quanta dor teve?',
						ro: 'Câtă durere ai avut?',
						de: 'Wie viel Schmerzen hatten Sie?',
						ar: 'ما مقدار الألم الذي شعرت به؟'
					},
					{
						en: 'How much pain have they had?',
						es: '¿Cuánto dolor ha tenido?',
						ca: 'Quant dolor ha tingut?',
						fr: 'Quelle douleur cette personne a-t-elle eue ?',
						it: 'Quanto dolore ha avuto?',
						pt: 'Quanta dor teve essa pessoa?',
						ro: 'Câtă durere a avut?',
						de: 'Wie viel Schmerzen hatte die Person?',
						ar: 'ما مقدار الألم الذي شعر به؟'
					},
					{
						en: 'How much pain has your child had?',
						es: '¿Cuánto dolor ha tenido tu hijo o hija?',
						ca: 'Quant dolor ha tingut el teu fill o filla?',
						fr: 'Quelle douleur votre enfant a-t-il eue ?',
						it: 'Quanto dolore ha avuto tuo figlio o tua figlia?',
						pt: 'Quanta dor teve o seu filho ou filha?',
						ro: 'Câtă durere a avut copilul tău?',
						de: 'Wie viel Schmerzen hatte Ihr Kind?',
						ar: 'ما مقدار الألم الذي شعر به طفلك؟'
					}
				),
				item(
					'pain-days',
					'choice',
					{
						en: 'On how many days was there pain?',
						es: '¿Cuántos días hubo dolor?',
						ca: 'Quants dies hi va haver dolor?',
						fr: 'Combien de jours y a-t-il eu de la douleur ?',
						it: 'In quanti giorni c’è stato dolore?',
						pt: 'Em quantos dias houve dor?',
						ro: 'În câte zile a fost durere?',
						de: 'An wie vielen Tagen gab es Schmerzen?',
						ar: 'في كم يومًا كان هناك ألم؟'
					},
					{
						control: 'radio-button',
						safe: true,
						options: options('days-in-week', [
							{
								code: '0',
								score: 0,
								text: {
									en: 'None',
									es: 'Ninguno',
									ca: 'Cap',
									fr: 'Aucun',
									it: 'Nessuno',
									pt: 'Nenhum',
									ro: 'Niciuna',
									de: 'An keinem',
									ar: 'ولا يوم'
								}
							},
							{
								code: '1-2',
								score: 1,
								text: {
									en: '1 or 2 days',
									es: '1 o 2 días',
									ca: '1 o 2 dies',
									fr: '1 ou 2 jours',
									it: '1 o 2 giorni',
									pt: '1 ou 2 dias',
									ro: '1 sau 2 zile',
									de: 'An 1 oder 2 Tagen',
									ar: 'يوم أو يومان'
								}
							},
							{
								code: '3-4',
								score: 2,
								text: {
									en: '3 or 4 days',
									es: '3 o 4 días',
									ca: '3 o 4 dies',
									fr: '3 ou 4 jours',
									it: '3 o 4 giorni',
									pt: '3 ou 4 dias',
									ro: '3 sau 4 zile',
									de: 'An 3 oder 4 Tagen',
									ar: '3 أو 4 أيام'
								}
							},
							{
								code: '5-6',
								score: 3,
								text: {
									en: '5 or 6 days',
									es: '5 o 6 días',
									ca: '5 o 6 dies',
									fr: '5 ou 6 jours',
									it: '5 o 6 giorni',
									pt: '5 ou 6 dias',
									ro: '5 sau 6 zile',
									de: 'An 5 oder 6 Tagen',
									ar: '5 أو 6 أيام'
								}
							},
							{
								code: '7',
								score: 4,
								text: {
									en: 'Every day',
									es: 'Todos los días',
									ca: 'Cada dia',
									fr: 'Tous les jours',
									it: 'Tutti i giorni',
									pt: 'Todos os dias',
									ro: 'În fiecare zi',
									de: 'Jeden Tag',
									ar: 'كل يوم'
								}
							}
						])
					}
				),
				scale(
					'fatigue',
					{
						en: 'How tired or low in energy have you been?',
						es: '¿Cuánto cansancio o falta de energía has tenido?',
						ca: 'Quant cansament o manca d’energia has tingut?',
						fr: 'À quel point avez-vous été fatigué ou sans énergie ?',
						it: 'Quanto sei stato stanco o senza energie?',
						pt: 'Quão cansado ou sem energia se sentiu?',
						ro: 'Cât de obosit sau lipsit de energie ai fost?',
						de: 'Wie müde oder energielos waren Sie?',
						ar: 'إلى أي حد شعرت بالتعب أو بنقص الطاقة؟'
					},
					{
						en: 'How tired or low in energy have they been?',
						es: '¿Cuánto cansancio o falta de energía ha tenido?',
						ca: 'Quant cansament o manca d’energia ha tingut?',
						fr: 'À quel point cette personne a-t-elle été fatiguée ou sans énergie ?',
						it: 'Quanto è stata stanca o senza energie?',
						pt: 'Quão cansada ou sem energia esteve essa pessoa?',
						ro: 'Cât de obosit sau lipsit de energie a fost?',
						de: 'Wie müde oder energielos war die Person?',
						ar: 'إلى أي حد شعر بالتعب أو بنقص الطاقة؟'
					},
					{
						en: 'How tired or low in energy has your child been?',
						es: '¿Cuánto cansancio o falta de energía ha tenido tu hijo o hija?',
						ca: 'Quant cansament o manca d’energia ha tingut el teu fill o filla?',
						fr: 'À quel point votre enfant a-t-il été fatigué ou sans énergie ?',
						it: 'Quanto è stato stanco o senza energie tuo figlio o tua figlia?',
						pt: 'Quão cansado ou sem energia esteve o seu filho ou filha?',
						ro: 'Cât de obosit sau lipsit de energie a fost copilul tău?',
						de: 'Wie müde oder energielos war Ihr Kind?',
						ar: 'إلى أي حد شعر طفلك بالتعب أو بنقص الطاقة؟'
					}
				),
				item(
					'sleep',
					'choice',
					{
						en: 'How have you been sleeping?',
						es: '¿Cómo has dormido?',
						ca: 'Com has dormit?',
						fr: 'Comment avez-vous dormi ?',
						it: 'Come hai dormito?',
						pt: 'Como tem dormido?',
						ro: 'Cum ai dormit?',
						de: 'Wie haben Sie geschlafen?',
						ar: 'كيف كان نومك؟'
					},
					{
						other: {
							en: 'How have they been sleeping?',
							es: '¿Cómo ha dormido?',
							ca: 'Com ha dormit?',
							fr: 'Comment cette personne a-t-elle dormi ?',
							it: 'Come ha dormito?',
							pt: 'Como tem dormido essa pessoa?',
							ro: 'Cum a dormit?',
							de: 'Wie hat die Person geschlafen?',
							ar: 'كيف كان نومه؟'
						},
						child: {
							en: 'How has your child been sleeping?',
							es: '¿Cómo ha dormido tu hijo o hija?',
							ca: 'Com ha dormit el teu fill o filla?',
							fr: 'Comment votre enfant a-t-il dormi ?',
							it: 'Come ha dormito tuo figlio o tua figlia?',
							pt: 'Como tem dormido o seu filho ou filha?',
							ro: 'Cum a dormit copilul tău?',
							de: 'Wie hat Ihr Kind geschlafen?',
							ar: 'كيف كان نوم طفلك؟'
						},
						control: 'radio-button',
						safe: true,
						options: options('sleep-quality', [
							{
								code: 'well',
								score: 0,
								text: {
									en: 'Well',
									es: 'Bien',
									ca: 'Bé',
									fr: 'Bien',
									it: 'Bene',
									pt: 'Bem',
									ro: 'Bine',
									de: 'Gut',
									ar: 'جيد'
								}
							},
							{
								code: 'fairly-well',
								score: 1,
								text: {
									en: 'Fairly well',
									es: 'Bastante bien',
									ca: 'Força bé',
									fr: 'Plutôt bien',
									it: 'Abbastanza bene',
									pt: 'Razoavelmente bem',
									ro: 'Destul de bine',
									de: 'Eher gut',
									ar: 'جيد إلى حد ما'
								}
							},
							{
								code: 'badly',
								score: 2,
								text: {
									en: 'Badly',
									es: 'Mal',
									ca: 'Malament',
									fr: 'Mal',
									it: 'Male',
									pt: 'Mal',
									ro: 'Prost',
									de: 'Schlecht',
									ar: 'سيئ'
								}
							},
							{
								code: 'very-badly',
								score: 3,
								text: {
									en: 'Very badly',
									es: 'Muy mal',
									ca: 'Molt malament',
									fr: 'Très mal',
									it: 'Molto male',
									pt: 'Muito mal',
									ro: 'Foarte prost',
									de: 'Sehr schlecht',
									ar: 'سيئ جدًا'
								}
							}
						])
					}
				)
			]
		),
		group(
			'feelings',
			{
				en: 'Mood and everyday life',
				es: 'Ánimo y vida diaria',
				ca: 'Estat d’ànim i vida diària',
				fr: 'Moral et vie quotidienne',
				it: 'Umore e vita quotidiana',
				pt: 'Humor e vida diária',
				ro: 'Starea de spirit și viața de zi cu zi',
				de: 'Stimmung und Alltag',
				ar: 'المزاج والحياة اليومية'
			},
			[
				item(
					'mood',
					'choice',
					{
						en: 'How has your mood been, most of the time?',
						es: '¿Cómo has estado de ánimo la mayor parte del tiempo?',
						ca: 'Com has estat d’ànim la major part del temps?',
						fr: 'Comment était votre moral la plupart du temps ?',
						it: 'Com’è stato il tuo umore la maggior parte del tempo?',
						pt: 'Como esteve o seu humor a maior parte do tempo?',
						ro: 'Cum ți-a fost starea de spirit în cea mai mare parte a timpului?',
						de: 'Wie war Ihre Stimmung die meiste Zeit?',
						ar: 'كيف كان مزاجك في معظم الوقت؟'
					},
					{
						other: {
							en: 'How has their mood seemed, most of the time?',
							es: '¿Cómo le has visto de ánimo la mayor parte del tiempo?',
							ca: 'Com l’has vist d’ànim la major part del temps?',
							fr: 'Comment son moral vous a-t-il semblé la plupart du temps ?',
							it: 'Come ti è sembrato il suo umore la maggior parte del tempo?',
							pt: 'Como lhe pareceu o humor dessa pessoa a maior parte do tempo?',
							ro: 'Cum ți s-a părut starea lui de spirit în cea mai mare parte a timpului?',
							de: 'Wie wirkte die Stimmung der Person die meiste Zeit?',
							ar: 'كيف بدا مزاجه في معظم الوقت؟'
						},
						child: {
							en: 'How has your child seemed in themselves, most of the time (cheerful, upset, worried)?',
							es: '¿Cómo has visto a tu hijo o hija la mayor parte del tiempo (contento, triste, preocupado)?',
							ca: 'Com has vist el teu fill o filla la major part del temps (content, trist, preocupat)?',
							fr: 'Comment avez-vous trouvé votre enfant la plupart du temps (joyeux, contrarié, inquiet) ?',
							it: 'Come ti è sembrato tuo figlio o tua figlia la maggior parte del tempo (allegro, triste, preoccupato)?',
							pt: 'Como lhe pareceu o seu filho ou filha a maior parte do tempo (alegre, triste, preocupado)?',
							ro: 'Cum ți s-a părut copilul în cea mai mare parte a timpului (vesel, supărat, îngrijorat)?',
							de: 'Wie wirkte Ihr Kind die meiste Zeit (fröhlich, bedrückt, besorgt)?',
							ar: 'كيف بدا طفلك في معظم الوقت (مبتهجًا، منزعجًا، قلقًا)؟'
						},
						control: 'radio-button',
						safe: true,
						options: options('mood', [
							{
								code: 'very-good',
								score: 0,
								text: {
									en: 'Very good',
									es: 'Muy bien',
									ca: 'Molt bé',
									fr: 'Très bon',
									it: 'Molto buono',
									pt: 'Muito bom',
									ro: 'Foarte bună',
									de: 'Sehr gut',
									ar: 'جيد جدًا'
								}
							},
							{
								code: 'good',
								score: 1,
								text: {
									en: 'Good',
									es: 'Bien',
									ca: 'Bé',
									fr: 'Bon',
									it: 'Buono',
									pt: 'Bom',
									ro: 'Bună',
									de: 'Gut',
									ar: 'جيد'
								}
							},
							{
								code: 'so-so',
								score: 2,
								text: {
									en: 'So-so',
									es: 'Regular',
									ca: 'Regular',
									fr: 'Moyen',
									it: 'Così così',
									pt: 'Assim-assim',
									ro: 'Așa și așa',
									de: 'Mittelmäßig',
									ar: 'متوسط'
								}
							},
							{
								code: 'low',
								score: 3,
								text: {
									en: 'Low',
									es: 'Bajo',
									ca: 'Baix',
									fr: 'Bas',
									it: 'Giù',
									pt: 'Em baixo',
									ro: 'Scăzută',
									de: 'Gedrückt',
									ar: 'منخفض'
								}
							},
							{
								code: 'very-low',
								score: 4,
								text: {
									en: 'Very low',
									es: 'Muy bajo',
									ca: 'Molt baix',
									fr: 'Très bas',
									it: 'Molto giù',
									pt: 'Muito em baixo',
									ro: 'Foarte scăzută',
									de: 'Sehr gedrückt',
									ar: 'منخفض جدًا'
								}
							}
						])
					}
				),
				item(
					'school-work',
					'choice',
					{
						en: 'How much did the condition get in the way of school, studies or work?',
						es: '¿Cuánto ha interferido la enfermedad con el colegio, los estudios o el trabajo?',
						ca: 'Quant ha interferit la malaltia amb l’escola, els estudis o la feina?',
						fr: 'À quel point la maladie a-t-elle gêné l’école, les études ou le travail ?',
						it: 'Quanto la malattia ha interferito con la scuola, lo studio o il lavoro?',
						pt: 'Quanto é que a doença interferiu com a escola, os estudos ou o trabalho?',
						ro: 'Cât de mult a încurcat boala școala, studiile sau munca?',
						de: 'Wie sehr hat die Erkrankung Schule, Ausbildung oder Arbeit beeinträchtigt?',
						ar: 'إلى أي حد أعاق المرض المدرسة أو الدراسة أو العمل؟'
					},
					{
						child: {
							en: 'How much did the condition get in the way of nursery or school?',
							es: '¿Cuánto ha interferido la enfermedad con la guardería o el colegio?',
							ca: 'Quant ha interferit la malaltia amb la llar d’infants o l’escola?',
							fr: 'À quel point la maladie a-t-elle gêné la crèche ou l’école ?',
							it: 'Quanto la malattia ha interferito con il nido o la scuola?',
							pt: 'Quanto é que a doença interferiu com a creche ou a escola?',
							ro: 'Cât de mult a încurcat boala grădinița sau școala?',
							de: 'Wie sehr hat die Erkrankung Kita oder Schule beeinträchtigt?',
							ar: 'إلى أي حد أعاق المرض الحضانة أو المدرسة؟'
						},
						control: 'radio-button',
						safe: true,
						options: options('interference', [
							{
								code: 'not-at-all',
								score: 0,
								text: {
									en: 'Not at all',
									es: 'Nada',
									ca: 'Gens',
									fr: 'Pas du tout',
									it: 'Per niente',
									pt: 'Nada',
									ro: 'Deloc',
									de: 'Gar nicht',
									ar: 'إطلاقًا'
								}
							},
							{
								code: 'a-little',
								score: 1,
								text: {
									en: 'A little',
									es: 'Un poco',
									ca: 'Una mica',
									fr: 'Un peu',
									it: 'Un po’',
									pt: 'Um pouco',
									ro: 'Puțin',
									de: 'Ein wenig',
									ar: 'قليلًا'
								}
							},
							{
								code: 'a-lot',
								score: 2,
								text: {
									en: 'A lot',
									es: 'Mucho',
									ca: 'Molt',
									fr: 'Beaucoup',
									it: 'Molto',
									pt: 'Muito',
									ro: 'Mult',
									de: 'Stark',
									ar: 'كثيرًا'
								}
							},
							{
								code: 'missed',
								score: 3,
								text: {
									en: 'Could not go at all',
									es: 'No se pudo ir en absoluto',
									ca: 'No s’hi va poder anar gens',
									fr: 'Impossible d’y aller',
									it: 'Non è stato possibile andarci',
									pt: 'Não foi possível ir',
									ro: 'Nu s-a putut merge deloc',
									de: 'Konnte gar nicht hingehen',
									ar: 'لم يكن الذهاب ممكنًا إطلاقًا'
								}
							},
							{ code: 'not-applicable', text: NOT_APPLICABLE }
						])
					}
				),
				scale(
					'social',
					{
						en: 'How much did the condition limit time with friends, family or hobbies?',
						es: '¿Cuánto ha limitado la enfermedad el tiempo con amigos, familia o aficiones?',
						ca: 'Quant ha limitat la malaltia el temps amb amics, família o aficions?',
						fr: 'À quel point la maladie a-t-elle limité le temps passé avec les amis, la famille ou les loisirs ?',
						it: 'Quanto la malattia ha limitato il tempo con amici, famiglia o hobby?',
						pt: 'Quanto é que a doença limitou o tempo com amigos, família ou passatempos?',
						ro: 'Cât de mult a limitat boala timpul petrecut cu prietenii, familia sau hobby-urile?',
						de: 'Wie sehr hat die Erkrankung die Zeit mit Freunden, Familie oder Hobbys eingeschränkt?',
						ar: 'إلى أي حد حدّ المرض من الوقت مع الأصدقاء أو العائلة أو الهوايات؟'
					},
					{
						en: 'How much did the condition limit their time with friends, family or hobbies?',
						es: '¿Cuánto le ha limitado la enfermedad el tiempo con amigos, familia o aficiones?',
						ca: 'Quant li ha limitat la malaltia el temps amb amics, família o aficions?',
						fr: 'À quel point la maladie a-t-elle limité son temps avec les amis, la famille ou les loisirs ?',
						it: 'Quanto la malattia ha limitato il suo tempo con amici, famiglia o hobby?',
						pt: 'Quanto é que a doença limitou o tempo dessa pessoa com amigos, família ou passatempos?',
						ro: 'Cât de mult i-a limitat boala timpul cu prietenii, familia sau hobby-urile?',
						de: 'Wie sehr hat die Erkrankung die Zeit der Person mit Freunden, Familie oder Hobbys eingeschränkt?',
						ar: 'إلى أي حد حدّ المرض من وقته مع الأصدقاء أو العائلة أو الهوايات؟'
					},
					{
						en: 'How much did the condition limit your child’s play and time with friends or family?',
						es: '¿Cuánto ha limitado la enfermedad el juego de tu hijo o hija y su tiempo con amigos o familia?',
						ca: 'Quant ha limitat la malaltia el joc del teu fill o filla i el seu temps amb amics o família?',
						fr: 'À quel point la maladie a-t-elle limité les jeux de votre enfant et son temps avec ses amis ou sa famille ?',
						it: 'Quanto la malattia ha limitato il gioco di tuo figlio o tua figlia e il tempo con amici o famiglia?',
						pt: 'Quanto é que a doença limitou as brincadeiras do seu filho ou filha e o tempo com amigos ou família?',
						ro: 'Cât de mult a limitat boala joaca copilului tău și timpul petrecut cu prietenii sau familia?',
						de: 'Wie sehr hat die Erkrankung das Spielen Ihres Kindes und seine Zeit mit Freunden oder Familie eingeschränkt?',
						ar: 'إلى أي حد حدّ المرض من لعب طفلك ووقته مع الأصدقاء أو العائلة؟'
					}
				)
			]
		),
		group(
			'care',
			{
				en: 'Care and help',
				es: 'Cuidados y ayuda',
				ca: 'Cures i ajuda',
				fr: 'Soins et aide',
				it: 'Cura e aiuto',
				pt: 'Cuidados e ajuda',
				ro: 'Îngrijire și ajutor',
				de: 'Pflege und Hilfe',
				ar: 'الرعاية والمساعدة'
			},
			[
				item(
					'care.help',
					'choice',
					{
						en: 'How much help from others was needed because of the condition?',
						es: '¿Cuánta ayuda de otras personas hizo falta por la enfermedad?',
						ca: 'Quanta ajuda d’altres persones va caldre per la malaltia?',
						fr: 'Combien d’aide d’autres personnes a été nécessaire à cause de la maladie ?',
						it: 'Quanto aiuto da altre persone è servito a causa della malattia?',
						pt: 'Quanta ajuda de outras pessoas foi precisa por causa da doença?',
						ro: 'Cât ajutor de la alții a fost nevoie din cauza bolii?',
						de: 'Wie viel Hilfe von anderen war wegen der Erkrankung nötig?',
						ar: 'ما مقدار المساعدة من الآخرين التي احتيج إليها بسبب المرض؟'
					},
					{
						child: {
							en: 'Beyond what any child of this age needs, how much extra care did the condition call for?',
							es: 'Más allá de lo que necesita cualquier niño de su edad, ¿cuántos cuidados extra ha requerido la enfermedad?',
							ca: 'Més enllà del que necessita qualsevol infant de la seva edat, quantes cures extra ha requerit la malaltia?',
							fr: 'Au-delà de ce dont a besoin tout enfant de cet âge, combien de soins en plus la maladie a-t-elle demandé ?',
							it: 'Oltre a ciò di cui ha bisogno ogni bambino di questa età, quanta cura in più ha richiesto la malattia?',
							pt: 'Para além do que qualquer criança desta idade precisa, quantos cuidados extra exigiu a doença?',
							ro: 'Dincolo de ce are nevoie orice copil de vârsta lui, câtă îngrijire în plus a cerut boala?',
							de: 'Über das hinaus, was jedes Kind in diesem Alter braucht: Wie viel zusätzliche Pflege hat die Erkrankung erfordert?',
							ar: 'بعيدًا عمّا يحتاجه أي طفل في هذا العمر، ما مقدار الرعاية الإضافية التي تطلّبها المرض؟'
						},
						control: 'radio-button',
						safe: true,
						options: options('help-needed', [
							{
								code: 'none',
								score: 0,
								text: {
									en: 'None',
									es: 'Ninguna',
									ca: 'Cap',
									fr: 'Aucune',
									it: 'Nessuno',
									pt: 'Nenhuma',
									ro: 'Deloc',
									de: 'Keine',
									ar: 'لا شيء'
								}
							},
							{
								code: 'some',
								score: 1,
								text: {
									en: 'Some, for a few things',
									es: 'Algo, para algunas cosas',
									ca: 'Una mica, per a algunes coses',
									fr: 'Un peu, pour certaines choses',
									it: 'Un po’, per alcune cose',
									pt: 'Alguma, para algumas coisas',
									ro: 'Puțin, pentru câteva lucruri',
									de: 'Etwas, bei einigen Dingen',
									ar: 'بعض المساعدة في أمور قليلة'
								}
							},
							{
								code: 'a-lot',
								score: 2,
								text: {
									en: 'A lot, every day',
									es: 'Mucha, cada día',
									ca: 'Molta, cada dia',
									fr: 'Beaucoup, chaque jour',
									it: 'Molto, ogni giorno',
									pt: 'Muita, todos os dias',
									ro: 'Mult, în fiecare zi',
									de: 'Viel, jeden Tag',
									ar: 'كثيرًا، كل يوم'
								}
							},
							{
								code: 'constant',
								score: 3,
								text: {
									en: 'Someone has to be there all the time',
									es: 'Alguien tiene que estar siempre presente',
									ca: 'Algú hi ha de ser sempre',
									fr: 'Quelqu’un doit être là en permanence',
									it: 'Qualcuno deve esserci sempre',
									pt: 'Alguém tem de estar sempre presente',
									ro: 'Cineva trebuie să fie mereu acolo',
									de: 'Es muss immer jemand da sein',
									ar: 'يجب أن يكون أحد موجودًا طوال الوقت'
								}
							}
						])
					}
				),
				item(
					'care.hours',
					'integer',
					{
						en: 'On a usual day, how many hours of care does the family give?',
						es: 'En un día normal, ¿cuántas horas de cuidados da la familia?',
						ca: 'En un dia normal, quantes hores de cures dona la família?',
						fr: 'Un jour ordinaire, combien d’heures de soins la famille apporte-t-elle ?',
						it: 'In una giornata normale, quante ore di cura dà la famiglia?',
						pt: 'Num dia normal, quantas horas de cuidados presta a família?',
						ro: 'Într-o zi obișnuită, câte ore de îngrijire oferă familia?',
						de: 'Wie viele Stunden Pflege leistet die Familie an einem normalen Tag?',
						ar: 'في يوم عادي، كم ساعة من الرعاية تقدمها العائلة؟'
					},
					{
						enableWhen: [
							{
								question: 'care.help',
								operator: '!=',
								answerCoding: {
									system: 'https://dazzle.health/fhir/CodeSystem/help-needed',
									code: 'none'
								}
							}
						],
						min: { valueInteger: 0 },
						max: { valueInteger: 24 },
						safe: true
					}
				),
				scale(
					'care.burden',
					{
						en: 'If someone in the family cares for you: how heavy has caring been for them?',
						es: 'Si alguien de la familia te cuida: ¿cuánto le ha pesado cuidar?',
						ca: 'Si algú de la família et cuida: quant li ha pesat cuidar?',
						fr: 'Si un proche s’occupe de vous : à quel point cela a-t-il été lourd pour lui ?',
						it: 'Se qualcuno in famiglia si prende cura di te: quanto è stato pesante per lui o lei?',
						pt: 'Se alguém da família cuida de si: quão pesado tem sido cuidar?',
						ro: 'Dacă cineva din familie are grijă de tine: cât de greu i-a fost?',
						de: 'Falls jemand aus der Familie Sie pflegt: Wie belastend war die Pflege für diese Person?',
						ar: 'إن كان أحد من العائلة يعتني بك: إلى أي حد كانت الرعاية مرهقة له؟'
					},
					{
						en: 'How heavy has caring been for you and the family?',
						es: '¿Cuánto os ha pesado cuidar, a ti y a la familia?',
						ca: 'Quant us ha pesat cuidar, a tu i a la família?',
						fr: 'À quel point vous occuper de cette personne a-t-il été lourd pour vous et la famille ?',
						it: 'Quanto è stato pesante prendersi cura, per te e per la famiglia?',
						pt: 'Quão pesado tem sido cuidar, para si e para a família?',
						ro: 'Cât de greu a fost îngrijirea pentru tine și familie?',
						de: 'Wie belastend war die Pflege für Sie und die Familie?',
						ar: 'إلى أي حد كانت الرعاية مرهقة لك وللعائلة؟'
					},
					{
						en: 'How heavy has caring for your child been for you and the family?',
						es: '¿Cuánto os ha pesado cuidar de tu hijo o hija, a ti y a la familia?',
						ca: 'Quant us ha pesat cuidar el teu fill o filla, a tu i a la família?',
						fr: 'À quel point vous occuper de votre enfant a-t-il été lourd pour vous et la famille ?',
						it: 'Quanto è stato pesante prendersi cura di tuo figlio o tua figlia, per te e per la famiglia?',
						pt: 'Quão pesado tem sido cuidar do seu filho ou filha, para si e para a família?',
						ro: 'Cât de greu a fost să ai grijă de copilul tău, pentru tine și familie?',
						de: 'Wie belastend war die Pflege Ihres Kindes für Sie und die Familie?',
						ar: 'إلى أي حد كانت رعاية طفلك مرهقة لك وللعائلة؟'
					}
				)
			]
		),
		item(
			'summary',
			'decimal',
			{
				en: 'Overall limitation in these 7 days (0–10, calculated from the four scales)',
				es: 'Limitación global en estos 7 días (0–10, calculada con las cuatro escalas)',
				ca: 'Limitació global en aquests 7 dies (0–10, calculada amb les quatre escales)',
				fr: 'Limitation globale sur ces 7 jours (0–10, calculée à partir des quatre échelles)',
				it: 'Limitazione complessiva in questi 7 giorni (0–10, calcolata dalle quattro scale)',
				pt: 'Limitação global nestes 7 dias (0–10, calculada a partir das quatro escalas)',
				ro: 'Limitarea generală în aceste 7 zile (0–10, calculată din cele patru scale)',
				de: 'Gesamte Einschränkung in diesen 7 Tagen (0–10, aus den vier Skalen berechnet)',
				ar: 'مستوى التقييد العام خلال هذه الأيام السبعة (0–10، محسوب من المقاييس الأربعة)'
			},
			{
				readOnly: true,
				safe: true,
				maxDecimals: 1,
				calculated: `((${answerAt('body', 'activities')} + ${answerAt('body', 'pain')} + ${answerAt('body', 'fatigue')} + ${answerAt('feelings', 'social')}) / 4).round(1)`
			}
		),
		item('notes', 'text', {
			en: 'Anything else about how life has been',
			es: 'Algo más sobre cómo ha ido la vida',
			ca: 'Alguna cosa més sobre com ha anat la vida',
			fr: 'Autre chose sur la façon dont la vie s’est passée',
			it: 'Altro su come è andata la vita',
			pt: 'Mais alguma coisa sobre como a vida tem corrido',
			ro: 'Altceva despre cum a mers viața',
			de: 'Sonstiges dazu, wie das Leben war',
			ar: 'أي شيء آخر عن سير الحياة'
		})
	]
});
