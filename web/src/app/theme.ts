import { useCallback, useSyncExternalStore } from 'react';

/**
 * Light and dark themes: the system's choice until the user picks one, which is then remembered.
 * index.html applies it before the first paint; this keeps it in step afterwards. Charts read
 * their colours from CSS variables, so they redraw when the theme changes.
 */
export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'vantage.theme';
const CHANGED = 'vantage:theme-changed';

function current(): Theme {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener(CHANGED, onChange);
  return () => window.removeEventListener(CHANGED, onChange);
}

export function setTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    window.localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // not remembered; still applied
  }
  window.dispatchEvent(new Event(CHANGED));
}

export function useTheme(): [Theme, () => void] {
  const theme = useSyncExternalStore(subscribe, current);
  const toggle = useCallback(() => setTheme(current() === 'dark' ? 'light' : 'dark'), []);
  return [theme, toggle];
}

/** A colour of the current theme, from its CSS custom property (charts draw on canvas). */
export function themeColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}
