import { ApolloProvider } from "@apollo/client/react";
import { Header } from "./Header.js";
import { routeOf, useLocation, Link, PageTitle, type Route } from "./router.js";
import { SessionProvider, shop } from "./session.js";
import { CatalogPage } from "./pages/CatalogPage.js";

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "catalog":
      return <CatalogPage />;
    case "product":
    case "popular":
    case "cart":
    case "checkout":
    case "checkout-success":
    case "checkout-fail":
    case "orders":
    case "points":
    case "signin":
    case "signup":
      return <ComingSoon />;
    case "not-found":
      return <NotFound />;
  }
}

function ComingSoon() {
  return (
    <>
      <PageTitle>Coming soon</PageTitle>
      <p>This page is not built yet.</p>
      <Link to="/">Back to the catalog</Link>
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
