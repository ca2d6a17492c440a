// The renderer reads every text through svelte-i18n: English messages, loaded synchronously.
import { addMessages, init } from 'svelte-i18n';
import en from '../../src/lib/i18n/messages/en.json';

addMessages('en', en);
void init({ fallbackLocale: 'en', initialLocale: 'en' });
