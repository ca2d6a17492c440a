import {
	blockedIds,
	buildConversations,
	deliveredUpdates,
	nicknamesOf,
	unreadTotal
} from '$lib/community/conversations';
import { CommunityStore } from '$lib/data/community';
import { deviceId } from '$lib/data/user-docs';

/**
 * The unread messages of the open profile for the navigation's badge, kept while the app is
 * open; it also tells the server (through the user database's sync) which received messages
 * reached this device (`delivered_through`), so the sender sees "delivered" without the
 * recipient opening the community area. Loaded on its own chunk, after the first screen.
 */
export class CommunityUnread {
	count = $state(0);
	#store: CommunityStore;
	#stop: () => void;
	#reads = 0;
	#closed = false;

	constructor(userDb: PouchDB.Database) {
		this.#store = new CommunityStore({
			db: userDb,
			device: deviceId(typeof localStorage === 'undefined' ? undefined : localStorage)
		});
		this.#stop = this.#store.follow(() => void this.#read());
		void this.#read();
	}

	async #read(): Promise<void> {
		const read = ++this.#reads;
		try {
			const docs = await this.#store.read();
			if (this.#closed || read !== this.#reads) return;
			const blocked = blockedIds(docs.blocks);
			this.count = unreadTotal(
				buildConversations({ ...docs, blocked, nicknames: nicknamesOf([]) })
			);
			for (const update of deliveredUpdates(docs.inbox, docs.states)) {
				await this.#store.markConversation(update.with, { deliveredThrough: update.through });
			}
		} catch (error) {
			console.debug('[community] could not count unread messages', error);
		}
	}

	close(): void {
		this.#closed = true;
		this.#stop();
	}
}
