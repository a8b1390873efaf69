import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from 'react';
import { navigate } from '../app/router';

/** A real link (middle-click, copy address work) that changes views without a page load. */
export function Link(
  props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; children: ReactNode },
): ReactNode {
  const onClick = (e: MouseEvent<HTMLAnchorElement>): void => {
    props.onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return <a {...props} onClick={onClick} />;
}
