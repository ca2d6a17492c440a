import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../../tests/unit/memory-storage';
import { InputJournal, JOURNAL_MAX_ENTRIES, JOURNAL_MAX_ENTRY_CHARS } from './journal';

let clock = Date.parse('2026-12-01T10:00:00.000Z');
const now = () => new Date((clock += 1000));

describe('InputJournal', () => {
	it('keeps each write at once, replays it after a "reload" and drops it once stored', () => {
		const storage = memoryStorage();
		const open = () =>
			new InputJournal<string>({ storage, database: 'dazzle-p1-patient-x', docId: 'r1', now });
		const journal = open();
		journal.write('Burning p');
		const seq = journal.write('Burning pain');
		// A new page: a fresh journal object reads what the last one wrote.
		const reopened = open();
		expect(reopened.replayable('2026-01-01T00:00:00.000Z')?.value).toBe('Burning pain');
		expect(reopened.seq).toBe(seq);
		// A save that read the input at `seq` clears it, unless something newer was typed.
		reopened.write('Burning pain in');
		reopened.clear(seq);
		expect(open().replayable(undefined)?.value).toBe('Burning pain in');
		reopened.clear(reopened.seq);
		expect(open().replayable(undefined)).toBeUndefined();
		expect(storage.map.size).toBe(0);
	});

	it('discards an entry older than the stored save (another tab or device went on)', () => {
		const storage = memoryStorage();
		const journal = new InputJournal<string>({ storage, database: 'db', docId: 'r1', now });
		journal.write('old text');
		const savedLater = new Date(clock + 5000).toISOString();
		expect(journal.replayable(savedLater)).toBeUndefined();
		expect(storage.map.size).toBe(0);
	});

	it('is bounded: entries per origin and size of an entry', () => {
		const storage = memoryStorage();
		for (let index = 0; index < JOURNAL_MAX_ENTRIES + 5; index += 1) {
			new InputJournal<string>({ storage, database: 'db', docId: `r${index}`, now }).write('x');
		}
		expect(storage.map.size).toBe(JOURNAL_MAX_ENTRIES);
		// The oldest went first.
		expect([...storage.map.keys()].some((key) => key.endsWith('/r0'))).toBe(false);
		expect(
			[...storage.map.keys()].some((key) => key.endsWith(`/r${JOURNAL_MAX_ENTRIES + 4}`))
		).toBe(true);
		const big = new InputJournal<string>({ storage, database: 'db', docId: 'big', now });
		big.write('y'.repeat(JOURNAL_MAX_ENTRY_CHARS));
		expect(storage.getItem(big.key)).toBeNull();
	});

	it('never throws when storage is full or missing', () => {
		const full = memoryStorage();
		full.setItem = () => {
			throw new DOMException('full', 'QuotaExceededError');
		};
		const diagnostics: string[] = [];
		const journal = new InputJournal<string>({
			storage: full,
			database: 'db',
			docId: 'r1',
			onDiagnostic: (message) => diagnostics.push(message)
		});
		expect(() => journal.write('text')).not.toThrow();
		expect(diagnostics).toEqual(['could not journal the input']);
		const none = new InputJournal<string>({ storage: undefined, database: 'db', docId: 'r1' });
		expect(() => none.write('text')).not.toThrow();
		expect(none.replayable(undefined)).toBeUndefined();
	});
});
