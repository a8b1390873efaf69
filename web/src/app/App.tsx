import { Suspense, lazy, useEffect, useState, type ReactNode } from 'react';
import { onAuthRequired } from '../api/client';
import { getApiKey, onApiKeyChange } from '../api/api-key';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { Link } from '../components/Link';
import { Loading } from '../components/StateViews';
import { OverviewPage } from '../pages/OverviewPage';
import { ApiKeyDialog } from './ApiKeyDialog';
import { useLocation } from './router';
import { useTheme } from './theme';

// The first view is in the main bundle; the others (and their chart libraries) load when visited.
const ServicePage = lazy(() => import('../pages/ServicePage'));
const ExplorePage = lazy(() => import('../pages/ExplorePage'));
const ComparePage = lazy(() => import('../pages/ComparePage'));
const PipelinePage = lazy(() => import('../pages/PipelinePage'));
const TracesPage = lazy(() => import('../pages/TracesPage'));
const TracePage = lazy(() => import('../pages/TracePage'));
const ServiceMapPage = lazy(() => import('../pages/ServiceMapPage'));
const AlertsPage = lazy(() => import('../pages/AlertsPage'));

const NAV = [
  { href: '/', label: 'Overview', active: (p: string) => p === '/' || p.startsWith('/services/') },
  { href: '/explore', label: 'Explore', active: (p: string) => p === '/explore' },
  { href: '/traces', label: 'Traces', active: (p: string) => p === '/traces' || p.startsWith('/traces/') },
  { href: '/service-map', label: 'Service map', active: (p: string) => p === '/service-map' },
  { href: '/compare', label: 'Compare', active: (p: string) => p === '/compare' },
  { href: '/alerts', label: 'Alerts', active: (p: string) => p === '/alerts' },
  { href: '/pipeline', label: 'Pipeline', active: (p: string) => p === '/pipeline' },
];

function View({ path }: { path: string }): ReactNode {
  const service = /^\/services\/(.+)$/.exec(path);
  const trace = /^\/traces\/([^/]+)$/.exec(path);
  if (path === '/') return <OverviewPage />;
  if (service) return <ServicePage service={service[1] as string} />;
  if (path === '/explore') return <ExplorePage />;
  if (path === '/compare') return <ComparePage />;
  if (path === '/pipeline') return <PipelinePage />;
  if (path === '/traces') return <TracesPage />;
  if (trace) return <TracePage traceId={trace[1] as string} />;
  if (path === '/service-map') return <ServiceMapPage />;
  if (path === '/alerts') return <AlertsPage />;
  return (
    <div className="state state-empty">
      <h1>Not found</h1>
      <p>
        There is no view at <code>{path}</code>. <Link href="/">Back to the overview</Link>
      </p>
    </div>
  );
}

export function App(): ReactNode {
  const { path } = useLocation();
  const [theme, toggleTheme] = useTheme();
  const [askKey, setAskKey] = useState(false);
  const [hasKey, setHasKey] = useState(getApiKey() !== undefined);
  useEffect(() => onAuthRequired(() => setAskKey(true)), []);
  useEffect(() => onApiKeyChange(() => setHasKey(getApiKey() !== undefined)), []);

  return (
    <div className="app">
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Vantage overview">
          <svg viewBox="0 0 16 16" width="20" height="20" aria-hidden="true">
            <path d="M1 12 5 7l3 3 6-7" fill="none" stroke="currentColor" strokeWidth="2" />
          </svg>
          Vantage
        </Link>
        <nav aria-label="Views">
          {NAV.map((n) => (
            <Link key={n.href} href={n.href} aria-current={n.active(path) ? 'page' : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-actions">
          <button
            type="button"
            className="icon"
            onClick={() => setAskKey(true)}
            title={hasKey ? 'API key set: change or forget it' : 'Enter an API key'}
            aria-label="API key"
          >
            <KeyIcon filled={hasKey} />
          </button>
          <button
            type="button"
            className="icon"
            onClick={toggleTheme}
            title={`Switch to the ${theme === 'dark' ? 'light' : 'dark'} theme`}
            aria-label="Toggle theme"
            data-testid="theme-toggle"
          >
            {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
          </button>
        </div>
      </header>
      <main className="content">
        <ErrorBoundary resetKey={path}>
          <Suspense fallback={<Loading />}>
            <View path={path} />
          </Suspense>
        </ErrorBoundary>
      </main>
      {askKey ? <ApiKeyDialog onClose={() => setAskKey(false)} /> : null}
    </div>
  );
}

function KeyIcon({ filled }: { filled: boolean }): ReactNode {
  return (
    <svg
      viewBox="0 0 24 24"
      width="18"
      height="18"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
    >
      <circle cx="8" cy="15" r="4" fill={filled ? 'currentColor' : 'none'} />
      <path d="M10.8 12.2 20 3m-4 4 3 3m-5-1 2 2" strokeLinecap="round" />
    </svg>
  );
}

function SunIcon(): ReactNode {
  return (
    <svg
      viewBox="0 0 24 24"
      width="18"
      height="18"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
    >
      <circle cx="12" cy="12" r="4" />
      <path
        d="M12 2v2m0 16v2M4.9 4.9l1.4 1.4m11.4 11.4 1.4 1.4M2 12h2m16 0h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"
        strokeLinecap="round"
      />
    </svg>
  );
}

function MoonIcon(): ReactNode {
  return (
    <svg
      viewBox="0 0 24 24"
      width="18"
      height="18"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
    >
      <path d="M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5Z" strokeLinejoin="round" />
    </svg>
  );
}
