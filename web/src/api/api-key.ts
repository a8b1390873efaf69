/**
 * The API key the dashboard sends as `Authorization: Bearer`, when the server has keys configured.
 * Kept in sessionStorage (gone when the tab closes) unless the user asks to be remembered on this
 * device (localStorage). Never put in a URL: links are shared, and addresses end up in logs.
 */

const STORAGE_KEY = 'vantage.apiKey';
const CHANGED = 'vantage:api-key-changed';

function read(storage: Storage): string | undefined {
  try {
    return storage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled (privacy mode): work without a saved key
  }
}

export function getApiKey(): string | undefined {
  return read(window.sessionStorage) ?? read(window.localStorage);
}

export function setApiKey(key: string, remember: boolean): void {
  clearApiKey(false);
  (remember ? window.localStorage : window.sessionStorage).setItem(STORAGE_KEY, key);
  window.dispatchEvent(new Event(CHANGED));
}

export function clearApiKey(notify = true): void {
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
    window.localStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing saved
  }
  if (notify) window.dispatchEvent(new Event(CHANGED));
}

export function onApiKeyChange(listener: () => void): () => void {
  window.addEventListener(CHANGED, listener);
  return () => window.removeEventListener(CHANGED, listener);
}
