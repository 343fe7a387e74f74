import type { ReactNode } from "react";
import { ApolloProvider } from "@apollo/client/react";
import { Header } from "./Header.js";
import { routeOf, useLocation, Link, PageTitle, type Route } from "./router.js";
import { SessionProvider, shop } from "./session.js";
import { CartPage } from "./pages/CartPage.js";
import { CatalogPage } from "./pages/CatalogPage.js";
import { CheckoutPage } from "./pages/CheckoutPage.js";
import { CheckoutResultPage } from "./pages/CheckoutResultPage.js";
import { OrdersPage } from "./pages/OrdersPage.js";
import { PopularPage } from "./pages/PopularPage.js";
import { PointsPage } from "./pages/PointsPage.js";
import { ProductPage } from "./pages/ProductPage.js";
import { SignInPage } from "./pages/SignInPage.js";
import { SignUpPage } from "./pages/SignUpPage.js";
import { useSession } from "./session.js";

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "catalog":
      return <CatalogPage />;
    case "product":
      return <ProductPage id={route.id} />;
    case "signin":
      return <SignInPage />;
    case "signup":
      return <SignUpPage />;
    case "cart":
      return (
        <MembersOnly>
          <CartPage />
        </MembersOnly>
      );
    case "checkout":
      return (
        <MembersOnly>
          <CheckoutPage />
        </MembersOnly>
      );
    case "checkout-success":
      return (
        <MembersOnly>
          <CheckoutResultPage outcome="success" />
        </MembersOnly>
      );
    case "checkout-fail":
      return (
        <MembersOnly>
          <CheckoutResultPage outcome="fail" />
        </MembersOnly>
      );
    case "popular":
      return <PopularPage />;
    case "orders":
      return (
        <MembersOnly>
          <OrdersPage />
        </MembersOnly>
      );
    case "points":
      return (
        <MembersOnly>
          <PointsPage />
        </MembersOnly>
      );
    case "not-found":
      return <NotFound />;
  }
}

/** A member's page: without a session, a way to sign in and come back. */
function MembersOnly({ children }: { children: ReactNode }) {
  const { token } = useSession();
  const { pathname } = useLocation();
  if (token !== null) return children;
  return (
    <>
      <PageTitle>Please sign in</PageTitle>
      <p>
        <Link to={`/signin?next=${encodeURIComponent(pathname)}`}>Sign in</Link> to see this page.
      </p>
    </>
  );
}

function NotFound() {
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <Link to="/">Back to the catalog</Link>
    </>
  );
}

export function App() {
  const { pathname } = useLocation();
  return (
    <ApolloProvider client={shop}>
      <SessionProvider>
        {/* A new member's pages start afresh: every query asks again with the new token. */}
        {(token) => (
          <div key={token ?? "guest"} className="app">
            <a className="skip-link" href="#main">
              Skip to content
            </a>
            <Header />
            <main id="main">
              <Page route={routeOf(pathname)} />
            </main>
          </div>
        )}
      </SessionProvider>
    </ApolloProvider>
  );
}
