import { useLayoutEffect, useRef, useSyncExternalStore, type MouseEvent, type ReactNode } from "react";

/**
 * A history router in one file: the address is the state, `navigate` changes it, `useLocation` reads
 * it. The server answers index.html for each route below (src/http/storefront.ts STOREFRONT_ROUTES).
 */
export type Route =
  | { page: "catalog" }
  | { page: "product"; id: string }
  | { page: "popular" }
  | { page: "cart" }
  | { page: "checkout" }
  | { page: "checkout-success" }
  | { page: "checkout-fail" }
  | { page: "orders" }
  | { page: "points" }
  | { page: "signin" }
  | { page: "signup" }
  | { page: "not-found" };

const FIXED: Record<string, Route> = {
  "/": { page: "catalog" },
  "/popular": { page: "popular" },
  "/cart": { page: "cart" },
  "/checkout": { page: "checkout" },
  "/checkout/success": { page: "checkout-success" },
  "/checkout/fail": { page: "checkout-fail" },
  "/orders": { page: "orders" },
  "/points": { page: "points" },
  "/signin": { page: "signin" },
  "/signup": { page: "signup" },
};

export function routeOf(pathname: string): Route {
  const fixed = FIXED[pathname];
  if (fixed) return fixed;
  const product = /^\/products\/([^/]+)$/.exec(pathname);
  if (product?.[1]) return { page: "product", id: decodeURIComponent(product[1]) };
  return { page: "not-found" };
}

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

const currentAddress = (): string => window.location.pathname + window.location.search;

/** Goes to `to` (a path with its query) without reloading; `replace` keeps the back button off the old page. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

/** The current path and query; re-renders on every navigation. */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const address = useSyncExternalStore(subscribe, currentAddress);
  const url = new URL(address, window.location.origin);
  return { pathname: url.pathname, search: url.searchParams };
}

/** A link that navigates in place; a modified click (new tab, ...) is left to the browser. */
export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={className}>
      {children}
    </a>
  );
}

/**
 * A page's heading: names the document and takes the focus when the page opens, so a screen reader
 * announces the new page and Tab starts from its top.
 */
export function PageTitle({ children }: { children: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // A layout effect: the focus moves in the same task as the page's DOM, never after a paint in which
  // the heading shows unfocused (a test, or a keyboard user pressing Tab then, started from the body).
  useLayoutEffect(() => {
    document.title = `${children} · Shop`;
    heading.current?.focus();
  }, [children]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}
