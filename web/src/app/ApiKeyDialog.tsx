import { useEffect, useRef, useState, type ReactNode } from 'react';
import { clearApiKey, getApiKey, setApiKey } from '../api/api-key';

/**
 * Asks for the API key when the server wants one. The key stays in this tab (sessionStorage)
 * unless "remember" is ticked (localStorage); it is sent only as `Authorization: Bearer`.
 */
export function ApiKeyDialog({ reason, onClose }: { reason?: string; onClose: () => void }): ReactNode {
  const dialog = useRef<HTMLDialogElement>(null);
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(false);
  const hasKey = getApiKey() !== undefined;

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="api-key-title" onClose={onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) setApiKey(key.trim(), remember);
          onClose();
        }}
      >
        <h2 id="api-key-title">API key</h2>
        <p className="muted">
          {reason ??
            'This Vantage server has API keys switched on. Enter one to see its data; it is sent as a Bearer token and never put in a link.'}
        </p>
        <label className="field">
          Key
          <input
            type="password"
            autoComplete="off"
            autoFocus
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-label="API key"
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          Remember on this device
        </label>
        <div className="actions">
          {hasKey ? (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                clearApiKey();
                onClose();
              }}
            >
              Forget saved key
            </button>
          ) : null}
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={!key.trim()}>
            Use key
          </button>
        </div>
      </form>
    </dialog>
  );
}
