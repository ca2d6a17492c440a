import type { ConsentText } from '../../types';

const text: ConsentText = {
	title: 'Donating your data to research',
	intro: [
		'You can choose to share some of your answers with rare-disease researchers. It is voluntary: saying no changes nothing in how you use the app.',
		'What is shared never carries your name, username, e-mail or exact date of birth. Researchers see a code instead of you, your age in years and your country.',
		'You choose each kind of data separately, and you can change your mind or withdraw at any time, even offline.'
	],
	scopes: {
		'about-me': {
			title: 'About the person',
			explanation: 'Age in years, sex and country, so researchers can compare groups of people.'
		},
		'natural-history': {
			title: 'How the condition developed',
			explanation:
				'When the first signs appeared, when and where the diagnosis came, specialists seen and hospital stays.'
		},
		genetics: {
			title: 'Genetic results',
			explanation:
				'The genes and variants in your test results, to find people with the same cause.'
		},
		symptoms: {
			title: 'Symptoms',
			explanation:
				'The symptoms you list, coded with a shared medical vocabulary, with when they started and how strong they are.'
		},
		'quality-of-life': {
			title: 'Quality of life',
			explanation: 'How daily life, pain, tiredness, sleep, mood, school or work are going.'
		},
		medication: {
			title: 'Medicines and therapies',
			explanation:
				'Medicines with their doses, therapies, devices and clinical trials taken part in.'
		},
		'contact-for-studies': {
			title: 'Being told about studies',
			explanation:
				'Researchers may ask, through the app, whether you want to hear about a study that fits. They never get your contact details.'
		}
	},
	questions: [
		{
			question: 'Will researchers see your name?',
			options: ['Yes', 'No, they see a code instead'],
			correct: 1,
			explanation: 'Names, usernames, e-mails and exact birth dates are never shared.'
		},
		{
			question: 'Can you change your mind later?',
			options: ['Yes, at any time', 'No, the choice is final'],
			correct: 0,
			explanation: 'You can change your choices or withdraw whenever you like.'
		},
		{
			question: 'If you withdraw and choose "erase", what happens to what was shared?',
			options: ['It stays with researchers', 'It is removed from the research database'],
			correct: 1,
			explanation: '"Erase" removes what was shared; "stop" only stops new sharing.'
		}
	],
	withdraw: {
		stop: 'Stop: nothing new is shared from now on. What was already shared stays in research.',
		erase: 'Erase: nothing new is shared and everything shared so far is removed from research.'
	},
	declarationSelf:
		'I have read this explanation and agree to share the kinds of data I chose, as described.',
	declarationRepresentative:
		'I am the legal representative of the person I care for. I have read this explanation and agree, on their behalf, to share the kinds of data I chose, as described.'
};

export default text;
