import type { MouseEvent, ReactNode } from 'react';
import { navigate } from '../router.js';

/** A link that routes on the client; a modified click (new tab, new window) is left to the browser. */
export const Link = ({
  to,
  children,
  className,
  ...rest
}: {
  to: string;
  children: ReactNode;
  className?: string;
  'aria-current'?: 'page';
}) => (
  <a
    href={to}
    className={className}
    {...rest}
    onClick={(event: MouseEvent<HTMLAnchorElement>) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(to);
    }}
  >
    {children}
  </a>
);
