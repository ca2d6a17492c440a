import type { ConsentText } from '../../types';

const text: ConsentText = {
	title: 'Donarea datelor tale pentru cercetare',
	intro: [
		'Poți alege să împărtășești unele dintre răspunsurile tale cu cercetători în boli rare. Este voluntar: dacă spui nu, nimic nu se schimbă în felul în care folosești aplicația.',
		'Ce se împărtășește nu conține niciodată numele, numele de utilizator, e-mailul sau data exactă a nașterii. Cercetătorii văd un cod în locul tău, vârsta ta în ani și țara.',
		'Alegi fiecare tip de date separat și te poți răzgândi sau retrage oricând, chiar și fără conexiune.'
	],
	scopes: {
		'about-me': {
			title: 'Despre persoană',
			explanation: 'Vârsta în ani, sexul și țara, pentru a compara grupuri de persoane.'
		},
		'natural-history': {
			title: 'Cum a evoluat boala',
			explanation:
				'Când au apărut primele semne, când și unde s-a pus diagnosticul, specialiștii consultați și internările.'
		},
		genetics: {
			title: 'Rezultate genetice',
			explanation: 'Genele și variantele din testele tale, pentru a găsi persoane cu aceeași cauză.'
		},
		symptoms: {
			title: 'Simptome',
			explanation:
				'Simptomele pe care le notezi, codificate cu un vocabular medical comun, cu debutul și intensitatea lor.'
		},
		'quality-of-life': {
			title: 'Calitatea vieții',
			explanation:
				'Cum merg viața de zi cu zi, durerea, oboseala, somnul, starea de spirit, școala sau munca.'
		},
		medication: {
			title: 'Medicamente și terapii',
			explanation:
				'Medicamente cu dozele lor, terapii, dispozitive și studii clinice la care participi.'
		},
		'contact-for-studies': {
			title: 'Informare despre studii',
			explanation:
				'Cercetătorii te pot întreba, prin aplicație, dacă vrei să afli despre un studiu potrivit. Nu primesc niciodată datele tale de contact.'
		}
	},
	questions: [
		{
			question: 'Îți vor vedea cercetătorii numele?',
			options: ['Da', 'Nu, văd un cod în locul lui'],
			correct: 1,
			explanation:
				'Numele, numele de utilizator, e-mailurile și datele exacte de naștere nu se împărtășesc niciodată.'
		},
		{
			question: 'Te poți răzgândi mai târziu?',
			options: ['Da, oricând', 'Nu, alegerea este definitivă'],
			correct: 0,
			explanation: 'Îți poți schimba alegerile sau te poți retrage oricând.'
		},
		{
			question: 'Dacă te retragi și alegi „șterge”, ce se întâmplă cu ce s-a împărtășit?',
			options: ['Rămâne la cercetători', 'Este eliminat din baza de date a cercetării'],
			correct: 1,
			explanation: '„Șterge” elimină ce s-a împărtășit; „oprește” doar oprește ce e nou.'
		}
	],
	withdraw: {
		stop: 'Oprește: de acum nu se mai împărtășește nimic nou. Ce s-a împărtășit deja rămâne în cercetare.',
		erase:
			'Șterge: nu se mai împărtășește nimic nou și tot ce s-a împărtășit până acum este eliminat din cercetare.'
	},
	declarationSelf:
		'Am citit această explicație și sunt de acord să împărtășesc tipurile de date alese, așa cum sunt descrise.',
	declarationRepresentative:
		'Sunt reprezentantul legal al persoanei de care am grijă. Am citit această explicație și sunt de acord, în numele ei, să împărtășesc tipurile de date alese, așa cum sunt descrise.'
};

export default text;
