import { useEffect } from "react";
import { skipToken, useQuery } from "@apollo/client/react";
import { CartDocument, MeDocument, PointDocument, shopErrorCode } from "../../sdk/index.js";
import { formatWon } from "./format.js";
import { Link, navigate } from "./router.js";
import { useSession } from "./session.js";

/** Navigation, the cart's badge and the point balance; both come from the cache, so mutations update them. */
export function Header() {
  const session = useSession();
  const signedIn = session.token !== null;
  const me = useQuery(MeDocument, signedIn ? {} : skipToken);
  const cart = useQuery(CartDocument, signedIn ? {} : skipToken);
  const point = useQuery(PointDocument, signedIn ? {} : skipToken);
  // A token the server no longer accepts (expired, signed with an old secret): signed out, not stuck.
  const expired = shopErrorCode(me.error) === "UNAUTHENTICATED";
  useEffect(() => {
    if (expired) void session.signOut();
  }, [expired, session]);
  const count = cart.data?.cart.totalQuantity ?? 0;
  const balance = point.data?.point.balance;

  const signOut = async () => {
    await session.signOut();
    navigate("/");
  };

  return (
    <header className="site-header">
      <Link to="/" className="brand">
        Shop
      </Link>
      <nav aria-label="Main">
        <ul>
          <li>
            <Link to="/">Catalog</Link>
          </li>
          <li>
            <Link to="/popular">Popular</Link>
          </li>
          {signedIn ? (
            <>
              <li>
                <Link to="/cart">
                  Cart <span className="badge">{count}</span>
                  <span className="visually-hidden"> {count === 1 ? "item" : "items"}</span>
                </Link>
              </li>
              <li>
                <Link to="/orders">My orders</Link>
              </li>
              <li>
                <Link to="/points">
                  Points <span className="balance">{balance === undefined ? "…" : formatWon(balance)}</span>
                </Link>
              </li>
              <li>
                <button type="button" className="link-button" onClick={() => void signOut()}>
                  Sign out{me.data?.me ? ` (${me.data.me.nickname})` : ""}
                </button>
              </li>
            </>
          ) : (
            <>
              <li>
                <Link to="/signin">Sign in</Link>
              </li>
              <li>
                <Link to="/signup">Sign up</Link>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}
