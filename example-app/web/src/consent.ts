/**
 * Consent: nothing optional is stored or sent before the visitor chooses. The choice itself is
 * written to localStorage only once it is made (it is what lets the page not ask again); the
 * pseudonymous user id exists only while statistics are accepted and is deleted on rejection.
 */
export const CONSENT_KEY = 'ragship.consent';
export const USER_ID_KEY = 'ragship.uid';
const VERSION = 1;

export interface ConsentChoice {
  version: number;
  statistics: boolean;
  decidedAt: string;
}

/** The subset of Storage used here (tests pass a Map-backed one). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** The remembered choice, or undefined when the visitor has not chosen (or it is outdated). */
export function readConsent(store: KeyValueStore): ConsentChoice | undefined {
  const raw = store.getItem(CONSENT_KEY);
  if (!raw) return undefined;
  try {
    const c = JSON.parse(raw) as ConsentChoice;
    return c.version === VERSION && typeof c.statistics === 'boolean' ? c : undefined;
  } catch {
    return undefined;
  }
}

export function saveConsent(
  store: KeyValueStore,
  statistics: boolean,
  newId: () => string,
  now = new Date(),
): ConsentChoice {
  const choice: ConsentChoice = { version: VERSION, statistics, decidedAt: now.toISOString() };
  store.setItem(CONSENT_KEY, JSON.stringify(choice));
  if (statistics) {
    if (!store.getItem(USER_ID_KEY)) store.setItem(USER_ID_KEY, newId());
  } else store.removeItem(USER_ID_KEY);
  return choice;
}

/** Headers for /query: the pseudonymous id only with consent to statistics. */
export function queryHeaders(store: KeyValueStore): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    'x-feature': 'web-chat',
  };
  const uid = readConsent(store)?.statistics ? store.getItem(USER_ID_KEY) : null;
  if (uid) headers['x-user-id'] = uid;
  return headers;
}
