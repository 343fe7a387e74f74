import { useState, type SubmitEvent } from "react";
import { useMutation } from "@apollo/client/react";
import { LoginDocument, shopErrorCode } from "../../../sdk/index.js";
import { ErrorNote } from "../components.js";
import { errorMessage } from "../errors.js";
import { formText } from "../forms.js";
import { Link, PageTitle, navigate, useLocation } from "../router.js";
import { useSession } from "../session.js";

/** Where to go once signed in: `?next=` if it is a path of this site, else the catalog. */
export function nextPath(search: URLSearchParams): string {
  const next = search.get("next");
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function SignInPage() {
  const session = useSession();
  const { search } = useLocation();
  const [login, { loading }] = useMutation(LoginDocument);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    try {
      const { data } = await login({
        variables: { loginId: formText(form, "loginId"), password: formText(form, "password") },
      });
      const next = nextPath(search);
      await session.signIn(data.login.token);
      navigate(next, { replace: true });
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <>
      <PageTitle>Sign in</PageTitle>
      <form onSubmit={(event) => void submit(event)} className="panel">
        <div className="field">
          <label htmlFor="loginId">Login ID</label>
          <input id="loginId" name="loginId" autoComplete="username" required />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        {error !== null && (
          <ErrorNote>
            {shopErrorCode(error) === "UNAUTHENTICATED"
              ? "That login ID and password do not match."
              : errorMessage(error)}
          </ErrorNote>
        )}
        <button type="submit" disabled={loading}>
          {loading ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </>
  );
}
