import { useEffect, useRef } from "react";

/**
 * How often a page that shows stock asks again. The API has no subscriptions, and stock is one small
 * query away, so a page in view asks every few seconds: a buyer watching a sale sees it sell.
 */
const LIVE_REFRESH_MS = 5_000;

/**
 * Runs `refresh` every LIVE_REFRESH_MS while the page is in view, and at once when it comes back into
 * view (a tab in the background asks nothing: no load on the API for pages nobody looks at). A refresh
 * still running when the next is due is not doubled.
 *
 * Apollo's own `pollInterval` (with `skipPollAttempt` for hidden tabs) would do for one query with
 * fixed variables; the catalog's refresh must ask for as many products as the buyer has paged through,
 * which changes, so the pages use this one hook for both.
 */
export function useLiveRefresh(refresh: () => Promise<unknown>): void {
  // The latest refresh, without restarting the timer each render.
  const latest = useRef(refresh);
  useEffect(() => {
    latest.current = refresh;
  }, [refresh]);

  useEffect(() => {
    let running = false;
    const tick = () => {
      if (running || document.visibilityState === "hidden") return;
      running = true;
      // A failed refresh shows nothing new: the page keeps what it has, and the next tick tries again.
      latest.current().then(
        () => (running = false),
        () => (running = false),
      );
    };
    const timer = window.setInterval(tick, LIVE_REFRESH_MS);
    const onVisibility = () => {
      if (document.visibilityState === "visible") tick();
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, []);
}
