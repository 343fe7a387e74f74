import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { createShopClient } from "../../sdk/index.js";

const TOKEN_KEY = "shop.token";

function storedToken(): string | null {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: the session lasts as long as the page
  }
}

/** The one client of the page: same origin (/graphql), with the token kept from the last visit. */
export const shop = createShopClient({ url: "/graphql", token: storedToken() });

interface Session {
  token: string | null;
  /** Keeps `token` for later visits and sends it from now on (the cache of the previous caller is cleared). */
  signIn(token: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: (token: string | null) => ReactNode }) {
  const [token, setToken] = useState(shop.getToken());
  const change = useCallback(async (next: string | null) => {
    try {
      if (next === null) window.localStorage.removeItem(TOKEN_KEY);
      else window.localStorage.setItem(TOKEN_KEY, next);
    } catch {
      // storage disabled: signed in for this page only
    }
    await shop.setToken(next);
    setToken(next);
  }, []);
  const session = useMemo<Session>(
    () => ({ token, signIn: (next) => change(next), signOut: () => change(null) }),
    [token, change],
  );
  return <SessionContext.Provider value={session}>{children(token)}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
